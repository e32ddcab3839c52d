import { readFile } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'

/** True when a process with this pid exists (and we may signal it). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export async function readPidFile(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '')
  const pid = Number.parseInt(text.trim(), 10)
  return Number.isInteger(pid) && pid > 1 ? pid : undefined
}

/** The command line of a live process, to tell our runner from an unrelated process that reused its pid. */
export async function commandLine(pid: number): Promise<string | undefined> {
  const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined)
  return raw?.split('\0').join(' ')
}

function signalGroup(pgid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pgid, signal)
  } catch {
    // Already gone.
  }
}

/**
 * Stops a process group: SIGTERM to the leader, a grace period, then SIGKILL to the whole group
 * (OpenCode may ignore SIGTERM; tools it started may linger in the group).
 */
export async function stopProcessGroup(pgid: number, graceMs: number): Promise<void> {
  if (!isAlive(pgid)) {
    signalGroup(pgid, 'SIGKILL')
    return
  }
  try {
    process.kill(pgid, 'SIGTERM')
  } catch {
    // Raced with its exit.
  }
  const deadline = Date.now() + graceMs
  while (Date.now() < deadline && isAlive(pgid)) await sleep(25)
  signalGroup(pgid, 'SIGKILL')
  const killDeadline = Date.now() + 2_000
  while (Date.now() < killDeadline && isAlive(pgid)) await sleep(10)
}
