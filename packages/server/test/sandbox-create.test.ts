import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { bubblewrapProvider } from './harness.ts'
import { mountsUnder } from './sandbox-traces.ts'

describe('creating a bubblewrap sandbox', () => {
  const rootDir = mkdtempSync(join(tmpdir(), 'aops-create-'))
  const uidPoolDir = mkdtempSync(join(tmpdir(), 'aops-create-uids-'))
  // One uid only, in a record of this test's own: the second sandbox cannot have one.
  const provider = bubblewrapProvider(rootDir, {
    uidPoolDir,
    uidRange: { first: 960_000 + (process.pid % 1_000) * 10, count: 1 },
  })
  afterAll(async () => {
    await provider.close()
    rmSync(rootDir, { recursive: true, force: true })
    rmSync(uidPoolDir, { recursive: true, force: true })
  })

  it('makes a sandbox from a volume formatted and mounted ahead of time; a sweep leaves the spares alone', async () => {
    const spares = join(rootDir, '.spare-volumes')
    expect(await provider.sweep(new Set())).toEqual([]) // as at server start: spares are made in the background
    const deadline = Date.now() + 30_000
    // Finished spares only: a spare is mounted before it is renamed from partial-* to its final name.
    const finished = () =>
      (existsSync(spares) ? readdirSync(spares) : []).filter((name) => /^\d+-[0-9a-f]+$/.test(name))
    while (finished().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    const made = readdirSync(spares)
    expect(made).toHaveLength(2)
    expect(await provider.sweep(new Set())).toEqual([])
    expect(readdirSync(spares)).toEqual(made)
    for (const name of made) writeFileSync(join(spares, name, 'volume', 'made-ahead'), '')
    const handle = await provider.create({ sessionId: 'ses_spare' })
    expect(existsSync(join(rootDir, 'ses_spare', 'volume', 'made-ahead'))).toBe(true)
    await provider.destroy(handle)
    expect(mountsUnder(join(rootDir, 'ses_spare'))).toEqual([])
  })

  it('leaves no directory or mount behind when no uid is free (the volume is mounted while the uid is found)', async () => {
    const first = await provider.create({ sessionId: 'ses_first' })
    expect(mountsUnder(join(rootDir, 'ses_first'))).toHaveLength(1)
    await expect(provider.create({ sessionId: 'ses_second' })).rejects.toThrow(/no free sandbox uid/)
    expect(existsSync(join(rootDir, 'ses_second'))).toBe(false)
    expect(mountsUnder(join(rootDir, 'ses_second'))).toEqual([])
    await provider.destroy(first)
    // What is left mounted is the spare volumes made for the next sandboxes, and close() removes them.
    expect(mountsUnder(rootDir).every((point) => point.startsWith(join(rootDir, '.spare-volumes/')))).toBe(
      true,
    )
    await provider.close()
    expect(mountsUnder(rootDir)).toEqual([])
  })
})
