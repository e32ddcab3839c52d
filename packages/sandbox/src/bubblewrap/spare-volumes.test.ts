import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { SpareVolumes } from './spare-volumes.ts'
import { formatVolume, mountsUnder, mountVolume, removeVolume } from './volume.ts'

const MiB = 1024 ** 2

/** The file system type mounted at `point`, from this machine's mount table. */
function fsTypeAt(point: string): string | undefined {
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [left, right] = line.split(' - ')
    if (left?.split(' ')[4] === point) return right?.split(' ')[0]
  }
  return undefined
}

describe('SpareVolumes (as root: spares are loop-mounted)', () => {
  const root = mkdtempSync(join(tmpdir(), 'aops-spares-'))
  const dir = join(root, '.spare-volumes')
  afterAll(async () => {
    for (const point of mountsUnder(root).reverse()) await removeVolume(`${point}.img`, point)
    rmSync(root, { recursive: true, force: true })
  })

  it('makes spares ahead of time, formatted and mounted, and hands each out once as a sandbox directory', async () => {
    const spares = new SpareVolumes(dir, 32 * MiB, 2)
    expect(await spares.take(join(root, 'none'))).toBe(false)
    await spares.refill()
    expect(readdirSync(dir)).toHaveLength(2)
    expect(mountsUnder(dir)).toHaveLength(2)
    const targets = [join(root, 'a'), join(root, 'b'), join(root, 'c')]
    const taken = await Promise.all(targets.map((target) => spares.take(target)))
    expect(taken.filter(Boolean)).toHaveLength(2)
    expect(readdirSync(dir)).toEqual([])
    const sandbox = targets[taken.indexOf(true)]!
    expect(statSync(join(sandbox, 'volume.img')).size).toBe(32 * MiB)
    // The mount moved with its directory: a real, empty ext4 file system, ready to be written.
    expect(fsTypeAt(join(sandbox, 'volume'))).toBe('ext4')
    expect(readdirSync(join(sandbox, 'volume'))).toEqual(['lost+found'])
    writeFileSync(join(sandbox, 'volume', 'file'), 'data')
    for (const target of targets.filter((_, i) => taken[i]))
      await removeVolume(join(target, 'volume.img'), join(target, 'volume'))
    expect(mountsUnder(root)).toEqual([])
  })

  it('unmounts and removes spares of another size, old image files and half-made ones, and never uses them', async () => {
    mkdirSync(join(dir, 'partial-abc'), { recursive: true })
    await formatVolume(join(dir, 'partial-abc', 'volume.img'), 16 * MiB)
    await mountVolume(join(dir, 'partial-abc', 'volume.img'), join(dir, 'partial-abc', 'volume'))
    mkdirSync(join(dir, `${64 * MiB}-0123ab`))
    writeFileSync(join(dir, `${16 * MiB}-old.img`), '')
    const spares = new SpareVolumes(dir, 16 * MiB, 1)
    expect(await spares.take(join(root, 'wrong'))).toBe(false)
    await spares.refill()
    expect(readdirSync(dir)).toEqual([expect.stringMatching(new RegExp(`^${16 * MiB}-[0-9a-f]+$`))])
    expect(mountsUnder(dir)).toEqual([join(dir, readdirSync(dir)[0]!, 'volume')])
    await spares.close()
  })

  it('close() unmounts and removes every spare; a closed set neither refills nor hands one out', async () => {
    const spares = new SpareVolumes(dir, 16 * MiB, 2)
    await spares.refill()
    expect(mountsUnder(dir)).toHaveLength(2)
    await spares.close()
    expect(readdirSync(dir)).toEqual([])
    expect(mountsUnder(root)).toEqual([])
    await spares.refill()
    expect(readdirSync(dir)).toEqual([])
    expect(await spares.take(join(root, 'after-close'))).toBe(false)
  })

  it('refillLater() refills once after its delay, however often asked meanwhile; close() cancels it', async () => {
    const spares = new SpareVolumes(dir, 16 * MiB, 1)
    const made = () =>
      (existsSync(dir) ? readdirSync(dir) : []).filter((name) => !name.startsWith('partial-'))
    spares.refillLater(300)
    spares.refillLater(0) // already scheduled: changes nothing
    await new Promise((r) => setTimeout(r, 100))
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]) // not even begun
    const deadline = Date.now() + 20_000
    while (made().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    await spares.settled()
    expect(made()).toHaveLength(1)
    await spares.close()
    const later = new SpareVolumes(dir, 16 * MiB, 1)
    later.refillLater(50)
    await later.close()
    await new Promise((r) => setTimeout(r, 200))
    expect(readdirSync(dir)).toEqual([])
  })

  it('does not bring back a root directory removed under it', async () => {
    const gone = join(root, 'removed', '.spare-volumes')
    await new SpareVolumes(gone, 16 * MiB).refill()
    expect(existsSync(join(root, 'removed'))).toBe(false)
  })
})
