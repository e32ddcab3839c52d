import { execFileSync } from 'node:child_process'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const here = dirname(fileURLToPath(import.meta.url))

/**
 * Runs the supervisor's start_network against a real bubblewrap sandbox whose pid 1 is paused (SIGSTOP) before
 * its loopback set-up, and let go 0.3 s later: the order a loaded machine can produce, where slirp4netns would
 * configure the namespace first. Prints bubblewrap's exit code, its stderr and the sandbox's
 * interfaces as JSON.
 */
const script = `
import fcntl, json, os, signal, subprocess, sys, threading, time
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1])
import supervisor

uid = 65534
def unprivileged():
    os.setgroups([]); os.setresgid(uid, uid, uid); os.setresuid(uid, uid, uid)

info_r, info_w = os.pipe()
os.set_inheritable(info_w, True)
# A full pipe: bubblewrap blocks writing its report, and so has not yet let its child go on to the loopback.
fcntl.fcntl(info_w, 1031, 4096)  # F_SETPIPE_SZ
os.write(info_w, b' ' * 4096)
bwrap = subprocess.Popen(
    ['bwrap', '--unshare-user', '--unshare-net', '--unshare-pid', '--ro-bind', '/', '/', '--dev', '/dev',
     '--proc', '/proc', '--info-fd', str(info_w), '--', 'sh', '-c', 'sleep 0.5; cat /proc/net/dev'],
    pass_fds=(info_w,), stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=unprivileged)
os.close(info_w)
children = ''
while not children:
    time.sleep(0.001)
    with open(f'/proc/{bwrap.pid}/task/{bwrap.pid}/children') as f:
        children = f.read().split()
os.kill(int(children[0]), signal.SIGSTOP)
raw = b''
while b'}' not in raw:
    raw += os.read(info_r, 8192)
pid = json.loads(raw)['child-pid']
assert pid == int(children[0])
threading.Timer(0.3, os.kill, (pid, signal.SIGCONT)).start()
log = os.open('/dev/null', os.O_WRONLY)
spec = {'network': 'on', 'uid': uid, 'gid': uid, 'cgroupProcs': [], 'networkLogFile': '/dev/null'}
slirp, _ = supervisor.start_network(spec, pid, log)
out, err = bwrap.communicate(timeout=20)
slirp.kill()
slirp.wait()
print(json.dumps({'code': bwrap.returncode, 'stderr': err.decode(), 'interfaces': out.decode()}))
`

describe('supervisor: the sandbox network', () => {
  it('starts slirp4netns only after bubblewrap has set up the loopback, even when bubblewrap is slow to', () => {
    const result = JSON.parse(
      execFileSync('/usr/bin/python3', ['-I', '-S', '-c', script, here], {
        encoding: 'utf8',
        timeout: 30_000,
      }),
    ) as { code: number; stderr: string; interfaces: string }
    // Without the wait: "bwrap: loopback: Failed RTM_NEWADDR" and exit code 1.
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.interfaces).toMatch(/^\s*lo:/m)
    expect(result.interfaces).toMatch(/^\s*tap0:/m)
  })
})
