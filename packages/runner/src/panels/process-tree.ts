import { readdir, readFile } from 'node:fs/promises'

/**
 * Memory of a process tree, from /proc: each process's parent and VmRSS from /proc/<pid>/status. One scan of
 * /proc serves every tree asked for at once (inside a sandbox's pid namespace it lists a few dozen processes).
 */

export type ProcessTable = Map<number, { ppid: number; rssBytes: number }>

export async function readProcessTable(): Promise<ProcessTable> {
  const table: ProcessTable = new Map()
  const names = await readdir('/proc').catch(() => [] as string[])
  await Promise.all(
    names
      .filter((name) => /^\d+$/.test(name))
      .map(async (name) => {
        // A process may exit between readdir and readFile: it simply is not counted.
        const status = await readFile(`/proc/${name}/status`, 'utf8').catch(() => undefined)
        if (!status) return
        const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0)
        // Kernel threads and zombies have no VmRSS line.
        const rssKb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? 0)
        table.set(Number(name), { ppid, rssBytes: rssKb * 1024 })
      }),
  )
  return table
}

/** The pids of `root` and all its descendants that the table knows. */
export function descendants(table: ProcessTable, root: number): number[] {
  if (!table.has(root)) return []
  const children = new Map<number, number[]>()
  for (const [pid, { ppid }] of table) {
    const list = children.get(ppid)
    if (list) list.push(pid)
    else children.set(ppid, [pid])
  }
  const found: number[] = []
  const queue = [root]
  while (queue.length > 0) {
    const pid = queue.pop() as number
    found.push(pid)
    for (const child of children.get(pid) ?? []) queue.push(child)
  }
  return found
}

/** Summed RSS of the trees under `roots` (a process under two roots counts once). */
export function treeRssBytes(table: ProcessTable, roots: Iterable<number | undefined>): number {
  const seen = new Set<number>()
  let total = 0
  for (const root of roots) {
    if (root === undefined) continue
    for (const pid of descendants(table, root)) {
      if (seen.has(pid)) continue
      seen.add(pid)
      total += table.get(pid)?.rssBytes ?? 0
    }
  }
  return total
}
