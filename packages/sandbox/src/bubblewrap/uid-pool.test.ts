import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { processesOfUid } from './process-tools.ts'
import { UidPool } from './uid-pool.ts'

const range = { first: 970_000, count: 4 }
let dir: string | undefined
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
  dir = undefined
})

function pool(inUse?: (uid: number) => Promise<boolean>) {
  dir = mkdtempSync(join(tmpdir(), 'uid-pool-'))
  return new UidPool(dir, range, inUse)
}

describe('UidPool', () => {
  it('gives each owner its own uid, the same one again when asked twice, and reuses a released one', async () => {
    const uids = pool()
    const a = await uids.allocate('/sandboxes/a')
    const b = await uids.allocate('/sandboxes/b')
    expect([a, b]).toEqual([970_000, 970_001])
    expect(await uids.allocate('/sandboxes/a')).toBe(a)
    expect(await uids.allocations()).toEqual(
      new Map([
        [a, '/sandboxes/a'],
        [b, '/sandboxes/b'],
      ]),
    )
    await uids.release(a)
    expect(await uids.allocate('/sandboxes/c')).toBe(a)
  })

  it('skips a uid another record holds or a process outside the record runs as, and says when none is left', async () => {
    const uids = pool(async (uid) => uid === 970_001)
    const record = dir!
    writeFileSync(join(record, '970000'), '/other-server/sandboxes/x') // another server's, same record
    expect(await uids.allocate('/sandboxes/a')).toBe(970_002)
    expect(readFileSync(join(record, '970001'), 'utf8')).toMatch(/^in use outside/)
    expect(await uids.allocate('/sandboxes/b')).toBe(970_003)
    await expect(uids.allocate('/sandboxes/c')).rejects.toThrow(/no free sandbox uid in 970000\+4/)
  })
})

describe('processesOfUid', () => {
  it('lists the processes running as a uid, this one included for its own, and none for an unused uid', async () => {
    expect(await processesOfUid(process.getuid?.() ?? 0)).toContain(process.pid)
    expect(await processesOfUid(range.first + range.count + 12_345)).toEqual([])
  })

  it('leaves out zombies: a process of the uid that exited and is not reaped yet (as root)', async () => {
    const uid = range.first + range.count + 23_456
    // As `uid`: a parent that forks a child which exits at once, and never reaps it.
    const parent = spawn('setpriv', [
      `--reuid=${uid}`,
      `--regid=${uid}`,
      '--clear-groups',
      '/usr/bin/python3',
      '-c',
      'import os, sys, time\nif os.fork() == 0: os._exit(0)\nprint("forked", flush=True)\ntime.sleep(30)',
    ])
    try {
      await new Promise((resolve, reject) => {
        parent.stdout.once('data', resolve)
        parent.once('exit', (code) => reject(new Error(`the parent exited (${code}) before forking`)))
      })
      const zombie = () => {
        for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
          const status = readFileSync(`/proc/${pid}/status`, 'utf8')
          if (status.includes(`PPid:\t${parent.pid}\n`) && /^State:\s+Z/m.test(status)) return Number(pid)
        }
        return undefined
      }
      while (zombie() === undefined) await new Promise((resolve) => setTimeout(resolve, 10))
      expect(await processesOfUid(uid)).toEqual([parent.pid])
    } finally {
      parent.kill('SIGKILL')
    }
  })
})

describe('UidPool.releaseOrphans', () => {
  it('releases a record whose root directory is gone, once it is old enough and no process runs as the uid', async () => {
    const running = new Set([970_002])
    const uids = pool(async (uid) => running.has(uid))
    const record = dir!
    const aMinuteAgo = new Date(Date.now() - 61_000)
    const write = (uid: number, owner: string, old: boolean) => {
      writeFileSync(join(record, String(uid)), owner)
      if (old) utimesSync(join(record, String(uid)), aMinuteAgo, aMinuteAgo)
    }
    write(970_000, '/gone/root/ses_a', true) // orphan: released
    write(970_001, '/gone/root/ses_b', false) // written just now: may be a create under way
    write(970_002, '/gone/root/ses_c', true) // a process still runs as it
    write(970_003, join(record, 'ses_d'), true) // its root exists (its own server sweeps it)
    expect(await uids.releaseOrphans(60_000)).toEqual([970_000])
    expect([...(await uids.allocations()).keys()].sort()).toEqual([970_001, 970_002, 970_003])
    // A uid recorded as in use outside the pool: kept while a process runs as it, released once none does.
    write(970_000, `in use outside ${record}`, true)
    running.add(970_000)
    expect(await uids.releaseOrphans(60_000)).toEqual([])
    running.delete(970_000)
    expect(await uids.releaseOrphans(60_000)).toEqual([970_000])
  })
})
