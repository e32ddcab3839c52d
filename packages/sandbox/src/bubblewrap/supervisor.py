#!/usr/bin/python3
"""Per-sandbox supervisor: bubblewrap's parent, so a sandbox outlives the server and dies with its own destroy.

  supervisor.py run SPEC        start bubblewrap (+ slirp4netns), wait for it, clean up after it
  supervisor.py zygote          fork a `run` per request read from stdin (see zygote())
  supervisor.py exec SPEC PID -- CMD...   run CMD inside the running sandbox whose pid 1 is PID

SPEC is a JSON file written by the TypeScript provider (bwrap-spec.ts). Started as root: joins the session's
cgroups, drops to the session's unprivileged uid/gid, and only then runs bubblewrap (never as root: the
sandbox's uid would map back to host root). The seccomp filter is compiled here with libseccomp. The sandbox's
network is started here too: slirp4netns (network `on`) or the allow-list proxy (egress_proxy.py).
"""
import errno
import fcntl
import os
import sys
import time
from _signal import SIG_DFL, SIG_IGN, SIGCHLD, SIGKILL, SIGTERM, signal

# Only what every start needs before bubblewrap runs is imported up here: a session's boot waits for this
# process. ctypes, socket and subprocess (~20 ms of imports) are imported where they are used, after that; json
# and signal are read through their C modules (_json, _signal): the Python ones import re and enum, ~20 ms.

try:
    import seccomp
except ImportError:
    # Started with -S: no site module, so no .pth file of the host's runs as root here, and ~0.1 s less
    # start-up. Debian's python3-seccomp lives in dist-packages; elsewhere, let site find it.
    sys.path.append('/usr/lib/python3/dist-packages')
    try:
        import seccomp
    except ImportError:
        import site
        site.main()
        import seccomp

NS_GET_USERNS = 0xB701

CLONE_NEW = {
    'NEWNS': 0x00020000,
    'NEWCGROUP': 0x02000000,
    'NEWUTS': 0x04000000,
    'NEWIPC': 0x08000000,
    'NEWUSER': 0x10000000,
    'NEWPID': 0x20000000,
    'NEWNET': 0x40000000,
    'NEWTIME': 0x00000080,
}


class _JsonContext:
    """What json.decoder's C scanner reads from its decoder: plain JSON, no hooks (json.JSONDecoder's own)."""
    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = None


def parse_json(text):
    """json.loads, by the C scanner json itself uses when the document is whole. Anything else (a cut or invalid
    document, no _json) goes to json.loads, which says what is wrong with a ValueError: the scanner's own errors
    need json.decoder imported, and without it come out as a SystemError."""
    text = text.strip()
    try:
        import _json
        value, end = _json.make_scanner(_JsonContext())(text, 0)
        if end == len(text):
            return value
    except Exception:  # noqa: BLE001 - json.loads below reports it
        pass
    import json
    return json.loads(text)


def seccomp_fd(deny):
    """Compiles the deny-list into a BPF program in an anonymous file; bwrap loads it with --seccomp FD."""
    f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for name in deny:
        try:
            f.add_rule(seccomp.ERRNO(errno.EPERM), name)
        except (RuntimeError, ValueError):
            pass  # unknown on this architecture
    # Namespace creation through clone flags; clone3 cannot be filtered by flags, so it reports ENOSYS and
    # libc falls back to clone.
    for flag in CLONE_NEW.values():
        f.add_rule(seccomp.ERRNO(errno.EPERM), 'clone', seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    f.add_rule(seccomp.ERRNO(errno.ENOSYS), 'clone3')
    # TIOCSTI (inject input into the controlling terminal) on top of --new-session.
    f.add_rule(seccomp.ERRNO(errno.EPERM), 'ioctl', seccomp.Arg(1, seccomp.MASKED_EQ, 0xFFFFFFFF, 0x5412))
    tmp = anonymous_file('seccomp-bpf')
    f.export_bpf(tmp)
    tmp.seek(0)
    return tmp, f


def anonymous_file(name):
    """A file with no name on any file system (memfd), close-on-exec until made inheritable."""
    return os.fdopen(os.memfd_create(name), 'w+b')


def join_cgroups(spec, pid):
    for procs in spec['cgroupProcs']:
        with open(procs, 'w') as handle:
            handle.write(str(pid))


def drop_privileges(spec):
    os.setgroups([])
    os.setresgid(spec['gid'], spec['gid'], spec['gid'])
    os.setresuid(spec['uid'], spec['uid'], spec['uid'])


def write_file(path, text):
    tmp = path + '.tmp'
    with open(tmp, 'w') as handle:
        handle.write(text)
    os.replace(tmp, path)


def start_slirp(spec, sandbox_pid):
    """slirp4netns, as the session uid and in the sandbox's cgroups, joins the sandbox's network namespace
    through the user namespace that owns it (bubblewrap's outer one; the agent runs in a nested one)."""
    net = os.open(f'/proc/{sandbox_pid}/ns/net', os.O_RDONLY)
    owner = fcntl.ioctl(net, NS_GET_USERNS)
    os.set_inheritable(net, True)
    os.set_inheritable(owner, True)

    def enter():
        join_cgroups(spec, os.getpid())
        drop_privileges(spec)

    import subprocess
    # Its own file: slirp4netns reports every start ("sent tapfd=..."), which would otherwise end the sandbox log
    # that explains a failed start.
    log = os.open(spec['networkLogFile'], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    proc = subprocess.Popen(
        ['slirp4netns', '--configure', '--mtu=65520', '--disable-host-loopback', '--netns-type=path',
         f'--userns-path=/proc/self/fd/{owner}', f'/proc/self/fd/{net}', 'tap0'],
        stdin=subprocess.DEVNULL, stdout=log, stderr=log, preexec_fn=enter, pass_fds=(net, owner),
    )
    os.close(net)
    os.close(owner)
    os.close(log)
    return proc


def start_network(spec, sandbox_pid, log):
    """The sandbox's network, per spec['network']: (slirp4netns process or None, egress proxy pid or None)."""
    if spec['network'] == 'on':
        wait_for_loopback(sandbox_pid)
        return start_slirp(spec, sandbox_pid), None
    if spec['network'] == 'allow-list':
        return None, start_egress(spec, sandbox_pid, log)
    return None, None


def wait_for_proc_file(sandbox_pid, name, ready, timeout=5.0):
    """Polls /proc/<sandbox_pid>/<name> until ready(its text) holds, the sandbox is gone, or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(f'/proc/{sandbox_pid}/{name}') as handle:
                if ready(handle.read()):
                    return
        except OSError:
            return  # the sandbox died: nothing to wait for
        time.sleep(0.001)


def wait_for_loopback(sandbox_pid):
    """Waits until bubblewrap has given the sandbox's loopback its address (or the sandbox is gone).

    slirp4netns --configure brings `lo` up, which makes the kernel add 127.0.0.1 itself; bubblewrap then adds
    it again with NLM_F_EXCL, gets EEXIST and dies ("loopback: Failed RTM_NEWADDR"). bubblewrap does that right
    after it reports the sandbox's pid, so this is milliseconds, but a loaded machine can let slirp4netns win.
    The address shows in the namespace's routing table as soon as it exists (the interface need not be up yet,
    and bringing it up twice is harmless)."""
    wait_for_proc_file(sandbox_pid, 'net/fib_trie', lambda table: '127.0.0.1' in table)


def wait_for_last_userns(sandbox_pid):
    """Waits until the sandbox's pid 1 is in its last user namespace (or is gone).

    When bubblewrap reports the pid, the sandbox's user namespace often has no uid mapped yet, then 0 (for
    --disable-userns, bubblewrap moves the sandbox into one more user namespace after setting it up), and only
    then the session's uid. `exec` joins the user namespace of this pid: right after start-up, on a loaded
    machine, it could otherwise run as uid 0 or as nobody there (still unprivileged on the host, but not the
    session's user: the files it made, Node's cache directory names, said so)."""
    wait_for_proc_file(sandbox_pid, 'uid_map', lambda mapping: mapping.split()[:1] not in ([], ['0']))


CLONE_NEWNET = 0x40000000
IP_FREEBIND = 15


def start_egress(spec, sandbox_pid, log):
    """The allow-list proxy (egress_proxy.py): its listening socket is made inside the sandbox's network
    namespace (127.0.0.1:PORT there), its outbound connections in the host's; then it drops to the session's
    uid in the sandbox's cgroups. Nothing else leaves the sandbox: it has no interface but loopback."""
    host_net = os.open('/proc/self/ns/net', os.O_RDONLY)
    child = os.fork()
    if child == 0:
        try:
            os.dup2(log, 1)
            os.dup2(log, 2)
            setns(f'/proc/{sandbox_pid}/ns/net')
            import socket
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            # bubblewrap may not have brought the loopback up yet: bind anyway, it serves once it is up.
            listener.setsockopt(socket.IPPROTO_IP, IP_FREEBIND, 1)
            listener.bind(('127.0.0.1', spec['egressPort']))
            listener.listen(128)
            if libc().setns(host_net, CLONE_NEWNET) != 0:
                raise OSError(errno_now(), 'setns back to the host network')
            os.close(host_net)
            join_cgroups(spec, os.getpid())
            drop_privileges(spec)
            # Imported here, in the proxy's process only: asyncio costs every other sandbox start time.
            # (-I leaves the script's own directory off the import path; the module sits next to this file.)
            # No __pycache__ written into the application's (read-only to sandboxes) source tree.
            sys.dont_write_bytecode = True
            sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
            import egress_proxy

            def note(message):
                sys.stderr.write(f'{time.strftime("%Y-%m-%dT%H:%M:%S")} {message}\n')
                sys.stderr.flush()
            egress_proxy.serve(listener, spec['allowedHosts'], note)
        except BaseException as error:  # noqa: BLE001 - report anything, never return into the parent's code
            os.write(2, f'supervisor: egress proxy failed: {error}\n'.encode())
        os._exit(1)
    os.close(host_net)
    return child


def hold_start_lock(spec, wait=2.0):
    """One supervisor per sandbox: an exclusive lock on `<supervisorPidFile>.lock`, held (not inherited) until this
    process ends. The server may start a second one when it cannot tell whether the zygote forked the first (it died
    with the request sent); that one finds the lock taken and leaves everything to the first: returns False. It waits
    `wait` seconds first, for a previous supervisor of the sandbox that is still exiting (killed by a stop)."""
    fd = os.open(spec['supervisorPidFile'] + '.lock', os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600)
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True  # the descriptor stays open, and the lock held, for the rest of this process
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                return False
            time.sleep(0.02)


def run(spec):
    os.umask(0o077)
    if not hold_start_lock(spec):
        with open(spec['logFile'], 'a') as log:
            log.write('supervisor: another supervisor runs this sandbox; this one leaves it alone\n')
        return 0
    write_file(spec['supervisorPidFile'], str(os.getpid()))
    bpf, _ = seccomp_fd(spec['seccompDeny'])
    info_r, info_w = os.pipe()
    args = ['bwrap']
    for bind in spec['binds']:
        args += ['--ro-bind' if bind['ro'] else '--bind', bind['src'], bind['dest']]
    for fd in (bpf.fileno(), info_w):
        os.set_inheritable(fd, True)
    args += ['--seccomp', str(bpf.fileno()), '--info-fd', str(info_w)] + spec['bwrapArgs']
    # Through --args: the sandbox's pid 1 (bwrap) shows no host paths in its command line.
    argfile = anonymous_file('bwrap-args')
    argfile.write(b''.join(a.encode() + b'\0' for a in args[1:]))
    argfile.seek(0)
    os.set_inheritable(argfile.fileno(), True)
    args = ['bwrap', '--args', str(argfile.fileno()), '--'] + spec['command']
    log = os.open(spec['logFile'], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    child = os.fork()
    if child == 0:
        try:
            os.dup2(log, 1)
            os.dup2(log, 2)
            devnull = os.open('/dev/null', os.O_RDONLY)
            os.dup2(devnull, 0)
            join_cgroups(spec, os.getpid())
            drop_privileges(spec)
            os.execvp('bwrap', args)
        except BaseException as error:  # noqa: BLE001 - report anything, never return into the parent's code
            os.write(2, f'supervisor: cannot start bwrap: {error}\n'.encode())
        os._exit(127)
    os.close(info_w)
    write_file(spec['bwrapPidFile'], str(child))
    raw = b''
    while True:
        chunk = os.read(info_r, 4096)
        if not chunk:
            break
        raw += chunk
        if not raw.rstrip().endswith(b'}'):
            continue  # bubblewrap writes its report in parts; the last one closes it
        try:
            info = parse_json(raw.decode())
            break
        except ValueError:
            continue
    else:
        info = None
    slirp = egress = None
    if info and 'child-pid' in info:
        sandbox_pid = info['child-pid']
        slirp, egress = start_network(spec, sandbox_pid, log)
        wait_for_last_userns(sandbox_pid)
        # Written last: whoever waits for the sandbox to be up finds its network and user namespace in place too.
        write_file(spec['sandboxPidFile'], str(sandbox_pid))
    signal(SIGTERM, lambda *_: os.kill(child, SIGKILL))
    while True:
        try:
            _, status = os.waitpid(child, 0)
            break
        except ChildProcessError:
            status = 0
            break
        except InterruptedError:
            continue
    if slirp is not None:
        slirp.kill()
        slirp.wait()
    if egress is not None:
        try:
            os.kill(egress, SIGKILL)
            os.waitpid(egress, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
    code = os.waitstatus_to_exitcode(status)
    write_file(spec['exitFile'], '{"exitCode": %d}' % code)
    for path in (spec['sandboxPidFile'], spec['bwrapPidFile'], spec['supervisorPidFile']):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
    return 0


_libc = None
PR_CAPBSET_DROP = 24


def libc():
    """The C library, for setns and prctl (not in Python's os module)."""
    global _libc
    if _libc is None:
        import ctypes
        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def errno_now():
    import ctypes
    return ctypes.get_errno()


def setns(path):
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if libc().setns(fd, 0) != 0:
            err = errno_now()
            raise OSError(err, f'setns {path}: {os.strerror(err)}')
    finally:
        os.close(fd)


def exec_in(spec, sandbox_pid, command):
    """Runs a command in the sandbox's namespaces, cgroups and seccomp filter, as the session's uid."""
    _, compiled = seccomp_fd(spec['seccompDeny'])
    ns = {name: os.open(f'/proc/{sandbox_pid}/ns/{name}', os.O_RDONLY | os.O_CLOEXEC)
          for name in ('user', 'mnt', 'ipc', 'uts', 'net', 'pid')}
    join_cgroups(spec, os.getpid())
    # As root: the mount namespace is owned by bubblewrap's outer user namespace, which the agent's inner one
    # has no rights over. The user namespace comes last, after dropping to the session's uid (its owner).
    for name in ('mnt', 'ipc', 'uts', 'net', 'pid'):
        if libc().setns(ns[name], 0) != 0:
            err = errno_now()
            sys.stderr.write(f'supervisor: setns {name}: {os.strerror(err)}\n')
            return 126
    drop_privileges(spec)
    if libc().setns(ns['user'], 0) != 0:
        sys.stderr.write(f'supervisor: setns user: {os.strerror(errno_now())}\n')
        return 126
    child = os.fork()  # the pid namespace applies to children
    if child == 0:
        try:
            os.chdir(spec['workdir'])
            os.setsid()
            for cap in range(64):  # an empty bounding set, like bwrap --cap-drop ALL
                libc().prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
            compiled.load()  # sets no_new_privs too
            env = {'PATH': '/usr/local/bin:/usr/bin:/bin', 'HOME': spec['home'], 'LANG': 'C.UTF-8',
                   **spec['proxyEnv']}
            os.execvpe(command[0], command, env)
        except BaseException as error:  # noqa: BLE001
            os.write(2, f'supervisor: cannot exec {command[0]}: {error}\n'.encode())
        os._exit(127)
    _, status = os.waitpid(child, 0)
    return os.waitstatus_to_exitcode(status)


def run_file(spec_path):
    with open(spec_path) as handle:
        spec = parse_json(handle.read())
    try:
        return run(spec)
    except BaseException:
        # The server started this process with no output: the sandbox log is where anyone will look.
        import traceback
        with open(spec['logFile'], 'a') as log:
            log.write(f'supervisor: failed:\n{traceback.format_exc()}')
        raise


def zygote():
    """Forks a supervisor per request. Started once by the server, it has python3 and this module loaded already:
    a start skips both (~10 ms), and the server does not fork its own, much larger, process (5-25 ms, and its event
    loop waits for that fork).

    A request is a line on stdin, {"spec": PATH, "env": {...}}, answered on stdout by the new supervisor's pid. The
    supervisor goes on exactly as `run SPEC` with that environment would, in a session of its own. At EOF on stdin
    (the server stopped or died) this process ends; the supervisors it forked go on."""
    signal(SIGCHLD, SIG_IGN)  # the kernel reaps the supervisors
    pending = b''
    while True:
        chunk = os.read(0, 65536)
        if not chunk:
            return 0
        pending += chunk
        while b'\n' in pending:
            line, pending = pending.split(b'\n', 1)
            request = parse_json(line.decode())
            child = os.fork()
            if child == 0:
                code = 1
                try:
                    signal(SIGCHLD, SIG_DFL)  # run() waits for its own children
                    os.setsid()
                    devnull = os.open('/dev/null', os.O_RDWR)
                    for fd in (0, 1, 2):
                        os.dup2(devnull, fd)
                    os.close(devnull)
                    os.environ.clear()
                    os.environ.update(request['env'])
                    code = run_file(request['spec'])
                except BaseException:  # noqa: BLE001 - logged by run_file; never return into the loop above
                    pass
                os._exit(code)
            os.write(1, f'{child}\n'.encode())


def main(argv):
    if argv[1:] == ['zygote']:
        return zygote()
    if argv[1] == 'run':
        return run_file(argv[2])
    if argv[1] == 'exec' and argv[4] == '--':
        with open(argv[2]) as handle:
            spec = parse_json(handle.read())
        return exec_in(spec, int(argv[3]), argv[5:])
    sys.stderr.write(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
