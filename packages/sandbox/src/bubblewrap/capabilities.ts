import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { promisify } from 'node:util'
import { detectCgroups } from './cgroups.ts'
import type { NetworkMode } from './sandbox-spec.ts'

const run = promisify(execFile)

export type IsolationCheck = { name: string; ok: boolean; detail: string; fix?: string }
export type IsolationReport = { ok: boolean; checks: IsolationCheck[] }

const aptFix = 'apt-get install -y bubblewrap slirp4netns python3-seccomp uidmap'

async function succeeds(file: string, args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(file, args, { timeout: 10_000 })
    return { ok: true, output: `${stdout}${stderr}`.trim() }
  } catch (error) {
    const e = error as { stderr?: string; message: string }
    return { ok: false, output: (e.stderr || e.message).trim() }
  }
}

/**
 * What the bubblewrap provider needs from this machine, each with how to fix it when missing. The server runs
 * this at start-up and refuses sessions unless every check passes (or isolation is explicitly disabled).
 */
export async function checkIsolation(opts: {
  probeUid: number
  network: NetworkMode
}): Promise<IsolationReport> {
  const checks: IsolationCheck[] = []
  const isRoot = process.getuid?.() === 0
  checks.push({
    name: 'root',
    ok: isRoot,
    detail: isRoot
      ? 'running as root (switches each sandbox to its own unprivileged uid)'
      : 'the server must run as root to give each sandbox its own uid, cgroup and disk volume',
    fix: 'run the server as root (a dedicated machine or VM), or use --unsafe-no-isolation for development only',
  })
  const bwrap = await succeeds('bwrap', ['--version'])
  const version = bwrap.output.match(/(\d+)\.(\d+)/)
  const recent = !!version && (Number(version[1]) > 0 || Number(version[2]) >= 8)
  checks.push({
    name: 'bubblewrap',
    ok: bwrap.ok && recent,
    detail: bwrap.ok ? `${bwrap.output}${recent ? '' : ' (0.8.0 or newer is needed)'}` : 'bwrap not found',
    fix: aptFix,
  })
  const seccomp = await succeeds('/usr/bin/python3', ['-I', '-c', 'import seccomp'])
  checks.push({
    name: 'seccomp',
    ok: seccomp.ok,
    detail: seccomp.ok ? 'python3 libseccomp bindings present' : 'python3 with the seccomp module not found',
    fix: aptFix,
  })
  if (isRoot && bwrap.ok) {
    const probe = await succeeds('setpriv', [
      `--reuid=${opts.probeUid}`,
      `--regid=${opts.probeUid}`,
      '--clear-groups',
      'bwrap',
      '--unshare-all',
      '--unshare-user',
      '--disable-userns',
      '--ro-bind',
      '/',
      '/',
      'true',
    ])
    checks.push({
      name: 'user namespaces',
      ok: probe.ok,
      detail: probe.ok ? 'an unprivileged uid can create a sandbox' : probe.output,
      fix: 'sysctl -w kernel.unprivileged_userns_clone=1 user.max_user_namespaces=15000 (and on Ubuntu 24.04+: kernel.apparmor_restrict_unprivileged_userns=0)',
    })
  }
  const cgroups = detectCgroups()
  checks.push({
    name: 'cgroups',
    ok: 'layout' in cgroups,
    detail: 'layout' in cgroups ? `cgroup v${cgroups.layout.version}` : cgroups.problem,
    fix: 'enable the memory, cpu and pids controllers (cgroup v2: boot with systemd.unified_cgroup_hierarchy=1; v1: mount them)',
  })
  const loop = existsSync('/dev/loop-control') && (await succeeds('mkfs.ext4', ['-V'])).ok
  checks.push({
    name: 'disk quota',
    ok: loop,
    detail: loop
      ? 'loop devices and mkfs.ext4 present'
      : 'loop devices (/dev/loop-control) or mkfs.ext4 missing',
    fix: 'modprobe loop; apt-get install -y e2fsprogs',
  })
  if (opts.network === 'on') {
    const slirp = await succeeds('slirp4netns', ['--version'])
    const tun = existsSync('/dev/net/tun')
    checks.push({
      name: 'slirp4netns',
      ok: slirp.ok && tun,
      detail: !slirp.ok
        ? 'slirp4netns not found'
        : tun
          ? slirp.output.split('\n')[0]!
          : '/dev/net/tun missing',
      fix: `${aptFix} (and modprobe tun), or set AGENT_OPS_SANDBOX_NETWORK=off`,
    })
  }
  return { ok: checks.every((c) => c.ok), checks }
}

/** A multi-line explanation of what is missing and how to fix it. */
export function describeMissing(report: IsolationReport): string {
  return report.checks
    .filter((c) => !c.ok)
    .map((c) => `  - ${c.name}: ${c.detail}${c.fix ? `\n    fix: ${c.fix}` : ''}`)
    .join('\n')
}
