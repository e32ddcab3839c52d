import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { SpareVolumes } from './spare-volumes.ts'

const MiB = 1024 ** 2

describe('SpareVolumes', () => {
  const root = mkdtempSync(join(tmpdir(), 'aops-spares-'))
  const dir = join(root, '.spare-volumes')
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  it('formats spares ahead of time and hands each out once', async () => {
    const spares = new SpareVolumes(dir, 32 * MiB, 2)
    expect(await spares.take(join(root, 'none.img'))).toBe(false)
    await spares.refill()
    expect(readdirSync(dir)).toHaveLength(2)
    const images = [join(root, 'a.img'), join(root, 'b.img'), join(root, 'c.img')]
    const taken = await Promise.all(images.map((image) => spares.take(image)))
    expect(taken.filter(Boolean)).toHaveLength(2)
    const image = images[taken.indexOf(true)]!
    expect(statSync(image).size).toBe(32 * MiB)
    // A real, empty ext4 file system.
    expect(
      execFileSync('dumpe2fs', ['-h', image], { stdio: ['ignore', 'pipe', 'ignore'] }).toString(),
    ).toMatch(/Filesystem magic number:\s+0xEF53/)
  })

  it('drops spares of another size and half-made ones, and never uses them', async () => {
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'partial-abc'), '')
    writeFileSync(join(dir, `${64 * MiB}-old.img`), '')
    const spares = new SpareVolumes(dir, 16 * MiB, 1)
    expect(await spares.take(join(root, 'wrong-size.img'))).toBe(false)
    await spares.refill()
    expect(readdirSync(dir)).toEqual([expect.stringMatching(new RegExp(`^${16 * MiB}-[0-9a-f]+\\.img$`))])
    expect(existsSync(join(dir, 'partial-abc'))).toBe(false)
  })

  it('does not bring back a root directory removed under it', async () => {
    const gone = join(root, 'removed', '.spare-volumes')
    await new SpareVolumes(gone, 16 * MiB).refill()
    expect(existsSync(join(root, 'removed'))).toBe(false)
  })
})
