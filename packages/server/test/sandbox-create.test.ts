import { existsSync, mkdtempSync, rmSync } from 'node:fs'
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

  it('leaves no directory or mount behind when no uid is free (the volume is mounted while the uid is found)', async () => {
    const first = await provider.create({ sessionId: 'ses_first' })
    expect(mountsUnder(join(rootDir, 'ses_first'))).toHaveLength(1)
    await expect(provider.create({ sessionId: 'ses_second' })).rejects.toThrow(/no free sandbox uid/)
    expect(existsSync(join(rootDir, 'ses_second'))).toBe(false)
    expect(mountsUnder(join(rootDir, 'ses_second'))).toEqual([])
    await provider.destroy(first)
    expect(mountsUnder(rootDir)).toEqual([])
  })
})
