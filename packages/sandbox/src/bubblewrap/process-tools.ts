import { readdirSync, readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { isAlive } from '../local/process-control.ts'

export { isAlive }

export function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal)
  } catch {
    // Already gone.
  }
}

export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false
    await sleep(15)
  }
  return true
}

/** Direct children of a process (from /proc/PID/task/PID/children). */
export async function childrenOf(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '')
  return text.split(/\s+/).filter(Boolean).map(Number)
}

/** /proc status files read between two turns of the event loop (see processesOfUid). */
const procScanBatch = 128

/**
 * Every live process whose real uid is `uid`. Not zombies: an exited process waiting for its parent to reap it runs
 * nothing and holds nothing but its pid, and cannot be killed; counted, a sandbox's killed process not yet reaped
 * would hold a destroy in killUid's loop until its timeout, and make the uid look in use by another process to the
 * uid pool, which then keeps it marked so. The status files are read synchronously, a batch at a time: /proc
 * answers from memory (~20 us a file), and as one async read each they queued on libuv's four threads behind
 * every other file operation of the server, 10-250 ms for ~100 processes on a busy boot (~2 ms this way).
 * Between batches the event loop turns, so a host with thousands of processes does not hold the server.
 */
export async function processesOfUid(uid: number): Promise<number[]> {
  const pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name))
  const owned: number[] = []
  for (let start = 0; start < pids.length; start += procScanBatch) {
    if (start > 0) await new Promise((resolve) => setImmediate(resolve))
    for (const pid of pids.slice(start, start + procScanBatch)) {
      let status: string
      try {
        status = readFileSync(`/proc/${pid}/status`, 'utf8')
      } catch {
        continue // exited meanwhile
      }
      if (status.match(/^Uid:\s+(\d+)/m)?.[1] !== String(uid)) continue
      if (/^State:\s+Z/m.test(status)) continue
      owned.push(Number(pid))
    }
  }
  return owned
}

/**
 * SIGKILLs every process of `uid` until none is left (the sandbox's uid is never shared). A process of that
 * uid inside another sandbox's cgroup is spared and reported: it means two uid records overlap (two servers
 * configured with different AGENT_OPS_SANDBOX_UID_POOL_DIR and the same range), which must not cost the other
 * sandbox its processes.
 */
export async function killUid(uid: number, ownCgroup: string, timeoutMs = 3_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs
  const spared = new Set<number>()
  for (;;) {
    const pids: number[] = []
    for (const pid of await processesOfUid(uid)) {
      if (spared.has(pid)) continue
      const cgroup = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => '')
      if (/\/agent-ops\//.test(cgroup) && !cgroup.includes(`/${ownCgroup}\n`)) spared.add(pid)
      else pids.push(pid)
    }
    if (pids.length === 0 || Date.now() > deadline) return [...spared]
    for (const pid of pids) kill(pid, 'SIGKILL')
    await sleep(20)
  }
}
