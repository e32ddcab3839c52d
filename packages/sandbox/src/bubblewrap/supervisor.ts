import { spawn } from 'node:child_process'
import { readFile, rm } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { readPidFile } from '../local/process-control.ts'
import type { ExecResult } from '../provider.ts'
import { SandboxError } from '../provider.ts'
import type { SandboxCgroup } from './cgroups.ts'
import { childrenOf, isAlive, kill, killUid, waitForExit } from './process-tools.ts'
import type { SandboxPaths } from './sandbox-spec.ts'
import { SupervisorZygote } from './supervisor-zygote.ts'

/** Debian's python3, where python3-seccomp installs libseccomp's bindings (not a pyenv or venv one). */
const systemPython = '/usr/bin/python3'
const supervisorScript = fileURLToPath(new URL('./supervisor.py', import.meta.url))

/** The provider's zygote (supervisor-zygote.ts): forks supervisors from a python3 that is already running. */
export function supervisorZygote(): SupervisorZygote {
  return new SupervisorZygote(systemPython, supervisorScript)
}

/**
 * Starts the sandbox's supervisor (supervisor.py, with the spec already written) in a session of its own, so
 * the sandbox outlives the server; resolves once bubblewrap reports the sandbox's pid 1 (milliseconds). Forked by
 * `zygote` when it can, else spawned here. `env` is the runner's environment: it goes to the supervisor's
 * root-only environment (through the zygote's stdin, a pipe), never onto a command line.
 */
export async function startSupervisor(
  paths: SandboxPaths,
  env: Record<string, string>,
  zygote?: SupervisorZygote,
): Promise<void> {
  // Both are written by the supervisor this starts; left by an earlier one, they would be taken for its.
  await rm(paths.exit, { force: true })
  await rm(paths.supervisorPid, { force: true })
  const forked = zygote ? await zygote.fork(paths.spec, env) : 'unavailable'
  // `lost`: the zygote went away with the request sent, and may or may not have forked the supervisor. One that was
  // forked writes its pid file at once; without one, the supervisor is started here. Should the forked one still
  // turn up, it and this one cannot both run the sandbox: the second finds the first's lock and leaves
  // (supervisor.py, hold_start_lock).
  if (forked === 'unavailable' || (forked === 'lost' && !(await appears(paths.supervisorPid, 2_000)))) {
    const child = spawn(systemPython, ['-I', '-S', supervisorScript, 'run', paths.spec], {
      detached: true,
      stdio: 'ignore',
      env,
    })
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve)
      child.once('error', (cause) => reject(new SandboxError('permanent', 'cannot run python3', { cause })))
    })
    child.unref()
  }
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if ((await readPidFile(paths.sandboxPid)) !== undefined) return
    if ((await readFile(paths.exit, 'utf8').catch(() => undefined)) !== undefined) break
    await new Promise((r) => setTimeout(r, 10))
  }
  const log = await readFile(paths.log, 'utf8').catch(() => '')
  throw new SandboxError(
    'permanent',
    `the sandbox did not start: ${log.trim().split('\n').slice(-5).join(' | ')}`,
  )
}

/** Whether the pid file at `path` appears within `ms`. */
async function appears(path: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  for (;;) {
    if ((await readPidFile(path)) !== undefined) return true
    if (Date.now() >= deadline) return false
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** Whether the supervisor and the sandbox's pid 1 are alive (and the pid is still our supervisor's). */
export async function supervisorRunning(paths: SandboxPaths): Promise<boolean> {
  const supervisor = await readPidFile(paths.supervisorPid)
  if (supervisor === undefined || !isAlive(supervisor)) return false
  const cmdline = await readFile(`/proc/${supervisor}/cmdline`, 'utf8').catch(() => '')
  const sandboxPid = await readPidFile(paths.sandboxPid)
  return cmdline.includes('supervisor.py') && sandboxPid !== undefined && isAlive(sandboxPid)
}

/** Runs a command in the running sandbox's namespaces, cgroups and seccomp filter, as its uid. */
export async function execInSandbox(
  paths: SandboxPaths,
  command: string[],
  timeoutMs: number,
): Promise<ExecResult> {
  const sandboxPid = await readPidFile(paths.sandboxPid)
  if (sandboxPid === undefined) throw new SandboxError('permanent', 'the sandbox is not running')
  return new Promise((resolve, reject) => {
    const child = spawn(
      systemPython,
      ['-I', '-S', supervisorScript, 'exec', paths.spec, String(sandboxPid), '--', ...command],
      { env: {}, timeout: timeoutMs, killSignal: 'SIGKILL' },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.once('error', reject)
    child.once('close', (code, signal) => resolve({ exitCode: code ?? (signal ? 128 : -1), stdout, stderr }))
  })
}

/**
 * Stops every process of the sandbox: the runner gets SIGTERM and `graceMs`, then the sandbox's pid 1 is
 * killed (which kills everything in its pid namespace), then whatever is left in its cgroup or under its uid.
 */
export async function stopSandbox(paths: SandboxPaths, uid: number, cgroup: SandboxCgroup, graceMs: number) {
  const sandboxPid = await readPidFile(paths.sandboxPid)
  if (sandboxPid !== undefined && isAlive(sandboxPid)) {
    for (const child of await childrenOf(sandboxPid)) kill(child, 'SIGTERM')
    await waitForExit(sandboxPid, graceMs)
    kill(sandboxPid, 'SIGKILL')
  }
  const supervisor = await readPidFile(paths.supervisorPid)
  if (supervisor !== undefined && !(await waitForExit(supervisor, 3_000))) kill(supervisor, 'SIGKILL')
  await cgroup.killAll()
  await killUid(uid, cgroup.name)
  for (const file of [paths.sandboxPid, paths.bwrapPid, paths.supervisorPid]) await rm(file, { force: true })
}
