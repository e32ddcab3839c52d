import { existsSync } from 'node:fs'
import { join, relative } from 'node:path'

/**
 * What the supervisor (supervisor.py) needs to start one sandbox: a pure function of the provider's settings
 * and the sandbox's paths, so the isolation it asks bubblewrap for can be read (and tested) in one place.
 */

/**
 * `on`: slirp4netns, anywhere but the host's loopback. `off`: loopback only. `allow-list`: loopback only, plus
 * an HTTP proxy on the sandbox's loopback that connects to the listed hosts and nothing else (egress_proxy.py).
 */
export type NetworkMode = 'on' | 'off' | 'allow-list'

/** Port of the allow-list proxy on the sandbox's own loopback. */
export const egressPort = 3128

/**
 * What makes tools inside use the allow-list proxy: the conventional variables (curl, git, npm, pip, Bun, Go
 * honour one spelling or the other). The sandbox's own loopback (the runner's forwarder to the server) is direct.
 */
export function proxyEnv(network: NetworkMode): Record<string, string> {
  if (network !== 'allow-list') return {}
  const url = `http://127.0.0.1:${egressPort}`
  const noProxy = 'localhost,127.0.0.1,::1'
  return {
    HTTP_PROXY: url,
    HTTPS_PROXY: url,
    http_proxy: url,
    https_proxy: url,
    NO_PROXY: noProxy,
    no_proxy: noProxy,
  }
}

export type SandboxPaths = {
  dir: string
  volume: string
  workspace: string
  home: string
  state: string
  control: string
  /** Where the runner serves its panels (panels.sock); the server, as root, connects from outside. */
  panels: string
  panelSocket: string
  etc: string
  spec: string
  log: string
  /** slirp4netns' own output, apart: the sandbox log's end explains a failed start. */
  networkLog: string
  supervisorPid: string
  bwrapPid: string
  sandboxPid: string
  exit: string
}

export function sandboxPaths(dir: string): SandboxPaths {
  const volume = join(dir, 'volume')
  return {
    dir,
    volume,
    workspace: join(volume, 'workspace'),
    home: join(volume, 'home'),
    state: join(volume, 'state'),
    control: join(dir, 'control'),
    // On the volume, like every writable bind: the agent can write files there too, within its disk quota.
    panels: join(volume, 'panels'),
    panelSocket: join(volume, 'panels', 'panels.sock'),
    etc: join(dir, 'etc'),
    spec: join(dir, 'spec.json'),
    log: join(dir, 'sandbox.log'),
    networkLog: join(dir, 'network.log'),
    supervisorPid: join(dir, 'supervisor.pid'),
    bwrapPid: join(dir, 'bwrap.pid'),
    sandboxPid: join(dir, 'sandbox.pid'),
    exit: join(dir, 'exit.json'),
  }
}

/** Paths inside the sandbox. */
export const inside = {
  workspace: '/workspace',
  home: '/home/agent',
  state: '/var/lib/agent-ops',
  control: '/run/agent-ops',
  controlSocket: '/run/agent-ops/control.sock',
  panels: '/run/agent-ops-panels',
  panelSocket: '/run/agent-ops-panels/panels.sock',
  node: '/opt/agent-ops/node',
  app: '/opt/agent-ops/app',
  /** Node's compile cache of the runner, read-only (see compile-cache.ts). */
  compileCache: '/opt/agent-ops/compile-cache',
} as const

/** The uid/gid the agent sees inside (mapped to the session's host uid). */
export const insideUid = 1000

/** Syscalls the seccomp filter denies with EPERM (namespace-creating clone flags are denied too). */
export const deniedSyscalls = [
  'ptrace',
  'process_vm_readv',
  'process_vm_writev',
  'mount',
  'umount',
  'umount2',
  'pivot_root',
  'move_mount',
  'open_tree',
  'fsopen',
  'fsmount',
  'fsconfig',
  'fspick',
  'mount_setattr',
  'kexec_load',
  'kexec_file_load',
  'bpf',
  'perf_event_open',
  'keyctl',
  'add_key',
  'request_key',
  'init_module',
  'finit_module',
  'delete_module',
  'unshare',
  'setns',
  'userfaultfd',
  'reboot',
  'swapon',
  'swapoff',
  'acct',
  'quotactl',
  'syslog',
  'personality',
  'open_by_handle_at',
  'name_to_handle_at',
  'iopl',
  'ioperm',
  'settimeofday',
  'clock_settime',
  'clock_adjtime',
  'adjtimex',
  'lookup_dcookie',
  'vhangup',
  'nfsservctl',
] as const

export type Bind = { src: string; dest: string; ro: boolean }

export type SupervisorSpec = {
  uid: number
  gid: number
  cgroupProcs: string[]
  binds: Bind[]
  bwrapArgs: string[]
  command: string[]
  network: NetworkMode
  /** allow-list: the hosts the proxy connects to, and where it listens inside. */
  allowedHosts: string[]
  egressPort: number
  /** Added to the environment of commands exec'd inside (the runner gets it from the provider). */
  proxyEnv: Record<string, string>
  seccompDeny: readonly string[]
  workdir: string
  home: string
  logFile: string
  networkLogFile: string
  supervisorPidFile: string
  bwrapPidFile: string
  sandboxPidFile: string
  exitFile: string
}

export type SpecInput = {
  paths: SandboxPaths
  uid: number
  cgroupProcs: string[]
  network: NetworkMode
  allowedHosts: readonly string[]
  /** Host directory holding bin/node. */
  nodeDir: string
  /** Host path of the application: its node_modules and the runner's and protocol's packages. */
  appRoot: string
  runnerEntry: string
  /** See BubblewrapProviderOptions.runnerLauncher. */
  runnerLauncher?: string
  /** Host directory of the runner's compile cache, bound read-only when there is one (compile-cache.ts). */
  compileCache?: string
}

/**
 * Host files a toolchain needs from /etc; everything else of /etc (shadow, ssh keys, ...) stays out. The browser
 * panel adds fontconfig's configuration (without it Chromium and VS Code render no text) and Debian's Chromium
 * wrapper settings (its launcher script sources /etc/chromium.d/* and fails when absent). The dynamic linker's
 * cache: without it, libraries registered in /etc/ld.so.conf.d (/usr/local/lib, libfakeroot, CUDA, ...) are not
 * found, and every program probes a dozen directories for each library it loads.
 */
const hostEtc = [
  'ld.so.cache',
  'ssl',
  'ca-certificates',
  'alternatives',
  'localtime',
  'nsswitch.conf',
  'mime.types',
  'fonts',
  'chromium',
  'chromium.d',
]

const fontCache = '/var/cache/fontconfig'

/** /usr's merged-/usr links and a private /proc, /dev and /tmp: the base of every sandbox-shaped namespace. */
export const baseLayoutArgs = [
  ...['--symlink', 'usr/bin', '/bin', '--symlink', 'usr/sbin', '/sbin'],
  ...['--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64'],
  ...['--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp'],
]

/** Node and the runner's code (with its dependencies), read-only where the runner finds them inside. */
export function runnerCodeBinds(nodeDir: string, appRoot: string): Bind[] {
  return [
    { src: nodeDir, dest: inside.node, ro: true },
    { src: join(appRoot, 'node_modules'), dest: join(inside.app, 'node_modules'), ro: true },
    ...['runner', 'protocol'].map((pkg) => ({
      src: join(appRoot, 'packages', pkg),
      dest: join(inside.app, 'packages', pkg),
      ro: true,
    })),
  ]
}

export function supervisorSpec(input: SpecInput): SupervisorSpec {
  const { paths } = input
  const binds: Bind[] = [{ src: '/usr', dest: '/usr', ro: true }]
  for (const name of hostEtc) {
    const src = join('/etc', name)
    if (existsSync(src)) binds.push({ src, dest: src, ro: true })
  }
  for (const name of ['passwd', 'group', 'hosts', 'resolv.conf', 'hostname'])
    binds.push({ src: join(paths.etc, name), dest: join('/etc', name), ro: true })
  // The host's font caches (public, generated from /usr's fonts): without them fontconfig rebuilds them in every
  // sandbox's home before Chromium or VS Code can draw a character, seconds of a panel's start.
  if (existsSync(fontCache)) binds.push({ src: fontCache, dest: fontCache, ro: true })
  binds.push(...runnerCodeBinds(input.nodeDir, input.appRoot))
  if (input.compileCache) binds.push({ src: input.compileCache, dest: inside.compileCache, ro: true })
  binds.push(
    { src: paths.workspace, dest: inside.workspace, ro: false },
    { src: paths.home, dest: inside.home, ro: false },
    { src: paths.state, dest: inside.state, ro: false },
    // The directory, not the socket: a restarted server re-creates the socket and the sandbox sees the new one.
    { src: paths.control, dest: inside.control, ro: true },
    // Writable: the runner creates its panel socket here; a directory again, so a restarted runner can replace it.
    { src: paths.panels, dest: inside.panels, ro: false },
  )
  const bwrapArgs = [
    '--unshare-all',
    '--unshare-user',
    '--disable-userns',
    '--new-session',
    '--die-with-parent',
    '--cap-drop',
    'ALL',
    '--uid',
    String(insideUid),
    '--gid',
    String(insideUid),
    '--hostname',
    'sandbox',
    ...baseLayoutArgs,
    '--tmpfs',
    '/dev/shm',
    '--chdir',
    inside.workspace,
    // Last: the sandbox's own root (a tmpfs holding the mount points) becomes read-only too.
    '--remount-ro',
    '/',
  ]
  return {
    uid: input.uid,
    gid: input.uid,
    cgroupProcs: input.cgroupProcs,
    binds,
    bwrapArgs,
    command: runnerCommand(input),
    network: input.network,
    allowedHosts: [...input.allowedHosts],
    egressPort,
    proxyEnv: proxyEnv(input.network),
    seccompDeny: deniedSyscalls,
    workdir: inside.workspace,
    home: inside.home,
    logFile: paths.log,
    networkLogFile: paths.networkLog,
    supervisorPidFile: paths.supervisorPid,
    bwrapPidFile: paths.bwrapPid,
    sandboxPidFile: paths.sandboxPid,
    exitFile: paths.exit,
  }
}

/** The sandbox's first process: the runner, or the launcher that ends by running it. */
function runnerCommand(input: SpecInput): string[] {
  const inApp = (path: string) => join(inside.app, relative(input.appRoot, path))
  const runner = [join(inside.node, 'bin', 'node'), inApp(input.runnerEntry)]
  return input.runnerLauncher ? ['/bin/sh', inApp(input.runnerLauncher), ...runner] : runner
}

/** The small /etc files written per sandbox: only the agent's own user, its own name, the slirp DNS. */
export function sandboxEtcFiles(
  network: NetworkMode,
): Record<'passwd' | 'group' | 'hosts' | 'resolv.conf' | 'hostname', string> {
  return {
    passwd: `root:x:0:0:root:/root:/usr/sbin/nologin\nagent:x:${insideUid}:${insideUid}:agent:${inside.home}:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`,
    group: `root:x:0:\nagent:x:${insideUid}:\nnogroup:x:65534:\n`,
    hosts: '127.0.0.1\tlocalhost sandbox\n::1\tlocalhost\n',
    'resolv.conf': network === 'on' ? 'nameserver 10.0.2.3\n' : '',
    hostname: 'sandbox\n',
  }
}
