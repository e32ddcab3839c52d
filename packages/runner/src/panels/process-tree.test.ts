import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { descendants, readProcessTable, treeRssBytes } from './process-tree.ts'

describe('process tree memory', () => {
  it('finds a real process, its children and grandchildren, and sums their resident memory', async () => {
    // sh -> (sleep, sh -> sleep): three levels, four processes.
    const child = spawn('sh', ['-c', 'sleep 30 & sh -c "sleep 30 & wait" & echo started; wait'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    })
    try {
      await once(child.stdout, 'data')
      let table = await readProcessTable()
      // The grandchildren start a moment after "started": wait until all four are there.
      for (let i = 0; i < 50 && descendants(table, child.pid as number).length < 4; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50))
        table = await readProcessTable()
      }
      const pids = descendants(table, child.pid as number)
      expect(pids).toHaveLength(4)
      expect(pids[0]).toBe(child.pid)
      const own = table.get(child.pid as number)?.rssBytes ?? 0
      expect(own).toBeGreaterThan(0)
      const total = treeRssBytes(table, [child.pid])
      expect(total).toBeGreaterThan(own)
      // A process named twice (as a root and inside another root's tree) counts once.
      expect(treeRssBytes(table, [child.pid, pids[1], undefined])).toBe(total)
      expect(treeRssBytes(table, [process.pid])).toBeGreaterThanOrEqual(
        total + (table.get(process.pid)?.rssBytes ?? 0),
      )
    } finally {
      child.kill('SIGKILL')
    }
  })

  it('counts nothing for a process that does not exist', async () => {
    const table = await readProcessTable()
    expect(descendants(table, 2 ** 22 + 1)).toEqual([])
    expect(treeRssBytes(table, [2 ** 22 + 1])).toBe(0)
  })
})
