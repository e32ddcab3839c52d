import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { CgroupLayout } from './cgroups.ts'

/**
 * Moving a process into a cgroup takes the kernel's cgroup_threadgroup_rwsem for writing, and the first writer after
 * a quiet spell waits for an RCU grace period: 7-25 ms on an idle host, more on a busy one, for a write that is
 * otherwise well under a millisecond. A sandbox start's first move (the supervisor's child joining the sandbox's
 * cgroups, before it runs bubblewrap) is on the path to the agent. Writing this process's pid into the cgroup it is
 * already in takes the same lock and moves nothing: done as a start begins, the grace period passes while the
 * server prepares the start, and the join finds the lock ready. (Linux 6's `favordynmods` cgroup mount option
 * removes the wait altogether, at some cost to every fork.)
 *
 * Best effort: resolves false when the write was refused (not root, a cgroup namespace hiding the path), which
 * only leaves the wait where it was.
 */
export function primeCgroupMigration(layout: CgroupLayout): Promise<boolean> {
  const procs = ownProcsFile(layout)
  if (!procs) return Promise.resolve(false)
  return writeFile(procs, String(process.pid)).then(
    () => true,
    () => false,
  )
}

/** This process's cgroups, as /proc/self/cgroup lists them (read once: the server does not move). */
let ownCgroups: { controllers: string[]; path: string }[] | undefined

/** This process's own cgroup.procs, in the pids hierarchy on cgroup v1 (the lock is shared by all of them). */
function ownProcsFile(layout: CgroupLayout): string | undefined {
  ownCgroups ??= readOwnCgroups()
  const own =
    layout.version === 2
      ? ownCgroups.find((c) => c.controllers.length === 0)
      : ownCgroups.find((c) => c.controllers.includes('pids'))
  if (!own) return undefined
  return join(layout.version === 2 ? layout.root : layout.pids, own.path, 'cgroup.procs')
}

function readOwnCgroups() {
  try {
    return readFileSync('/proc/self/cgroup', 'utf8')
      .split('\n')
      .map((line) => /^\d+:([^:]*):(.*)$/.exec(line))
      .filter((match) => match !== null)
      .map(([, controllers = '', path = '/']) => ({
        controllers: controllers ? controllers.split(',') : [],
        path,
      }))
  } catch {
    return [] // no /proc: nothing to prime
  }
}
