import { describe, expect, it } from 'vitest'
import { detectCgroups } from './cgroups.ts'
import {
  deniedSyscalls,
  inside,
  type SpecInput,
  sandboxEtcFiles,
  sandboxPaths,
  supervisorSpec,
} from './sandbox-spec.ts'

const specInput: SpecInput = {
  paths: sandboxPaths('/srv/sandboxes/ses_1'),
  uid: 900_001,
  cgroupProcs: ['/sys/fs/cgroup/agent-ops/x/ses_1/cgroup.procs'],
  network: 'on',
  allowedHosts: [],
  nodeDir: '/srv/sandboxes/.node',
  appRoot: '/opt/app',
  runnerEntry: '/opt/app/packages/runner/src/main.ts',
}
const spec = supervisorSpec(specInput)

describe('supervisorSpec: what bubblewrap is asked for', () => {
  it('unshares every namespace, forbids nested user namespaces, drops capabilities, new session', () => {
    for (const flag of [
      '--unshare-all',
      '--unshare-user',
      '--disable-userns',
      '--new-session',
      '--die-with-parent',
    ])
      expect(spec.bwrapArgs).toContain(flag)
    expect(spec.bwrapArgs.join(' ')).toContain('--cap-drop ALL')
    expect(spec.bwrapArgs.slice(-2)).toEqual(['--remount-ro', '/'])
  })
  it('binds the host system read-only, and only the session’s own directories writable', () => {
    const writable = spec.binds.filter((b) => !b.ro).map((b) => b.dest)
    expect(writable.sort()).toEqual([inside.home, inside.state, inside.workspace, inside.panels].sort())
    for (const b of spec.binds.filter((b) => !b.ro))
      expect(b.src.startsWith('/srv/sandboxes/ses_1/volume/')).toBe(true)
    const sources = spec.binds.map((b) => b.src)
    expect(sources).not.toContain('/etc')
    expect(sources).not.toContain('/etc/shadow')
    expect(sources.some((s) => s === '/root' || s.startsWith('/root/'))).toBe(false)
    expect(spec.bwrapArgs.join(' ')).toContain('--tmpfs /tmp')
    expect(spec.bwrapArgs.join(' ')).toContain('--tmpfs /dev/shm')
  })
  it('binds the control directory (not the socket) read-only, so a restarted server’s new socket is seen', () => {
    expect(spec.binds).toContainEqual({ src: '/srv/sandboxes/ses_1/control', dest: inside.control, ro: true })
  })
  it('runs the launcher first when there is one, with the runner to become (paths inside the sandbox)', () => {
    const launched = supervisorSpec({
      ...specInput,
      runnerLauncher: '/opt/app/packages/runner/src/launch-opencode.sh',
    })
    expect(launched.command).toEqual([
      '/bin/sh',
      '/opt/agent-ops/app/packages/runner/src/launch-opencode.sh',
      '/opt/agent-ops/node/bin/node',
      '/opt/agent-ops/app/packages/runner/src/main.ts',
    ])
  })
  it('runs the runner with the bound Node, as the session uid, under the seccomp deny-list', () => {
    expect(spec.command).toEqual([
      '/opt/agent-ops/node/bin/node',
      '/opt/agent-ops/app/packages/runner/src/main.ts',
    ])
    expect(spec.uid).toBe(900_001)
    for (const call of [
      'ptrace',
      'mount',
      'umount2',
      'kexec_load',
      'bpf',
      'perf_event_open',
      'keyctl',
      'add_key',
      'init_module',
      'finit_module',
      'unshare',
      'setns',
    ])
      expect(deniedSyscalls).toContain(call)
  })
  it('gives the sandbox its own passwd without the host’s users, and slirp’s DNS only with network', () => {
    const files = sandboxEtcFiles('on')
    expect(files.passwd).toContain('agent:x:1000:1000')
    expect(files.passwd.split('\n').filter(Boolean)).toHaveLength(3)
    expect(files['resolv.conf']).toBe('nameserver 10.0.2.3\n')
    expect(sandboxEtcFiles('off')['resolv.conf']).toBe('')
    expect(sandboxEtcFiles('allow-list')['resolv.conf']).toBe('')
  })
  it('sends a sandbox with an allow-list through its proxy, and no other one', () => {
    const listed = supervisorSpec({
      ...specInput,
      network: 'allow-list',
      allowedHosts: ['registry.npmjs.org', '*.github.com'],
    })
    expect(listed.allowedHosts).toEqual(['registry.npmjs.org', '*.github.com'])
    expect(listed.proxyEnv.HTTPS_PROXY).toBe(`http://127.0.0.1:${listed.egressPort}`)
    expect(listed.proxyEnv.no_proxy).toContain('127.0.0.1')
    expect(spec.proxyEnv).toEqual({})
  })
})

const mountinfo = (lines: string[]) => lines.map((l, i) => `${30 + i} 1 0:${i} / ${l}`).join('\n')

describe('detectCgroups', () => {
  it('uses v1 controllers when the v2 mount has none of them (hybrid hosts)', () => {
    const info = mountinfo([
      '/sys/fs/cgroup/memory rw - cgroup cgroup rw,memory',
      '/sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct',
      '/sys/fs/cgroup/pids rw - cgroup cgroup rw,pids',
    ])
    expect(detectCgroups(info)).toEqual({
      layout: {
        version: 1,
        memory: '/sys/fs/cgroup/memory',
        cpu: '/sys/fs/cgroup/cpu,cpuacct',
        pids: '/sys/fs/cgroup/pids',
      },
    })
  })
  it('says what is missing', () => {
    const result = detectCgroups(mountinfo(['/sys/fs/cgroup/memory rw - cgroup cgroup rw,memory']))
    expect('problem' in result && result.problem).toMatch(/memory, cpu and pids/)
  })
})
