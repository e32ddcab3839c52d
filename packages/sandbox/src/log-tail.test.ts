import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { readLogTail } from './log-tail.ts'

describe('readLogTail', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aops-log-tail-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('keeps only whole lines of the last bytes', async () => {
    const path = join(dir, 'sandbox.log')
    writeFileSync(path, 'first line\nsecond line\nthird line\n')
    expect(await readLogTail(path, 1000)).toBe('first line\nsecond line\nthird line\n')
    expect(await readLogTail(path, 15)).toBe('third line\n')
  })

  it('is empty for a log that was never written', async () => {
    expect(await readLogTail(join(dir, 'missing.log'), 100)).toBe('')
  })
})
