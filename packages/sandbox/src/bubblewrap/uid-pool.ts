import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, isAbsolute, join } from 'node:path'
import { SandboxError } from '../provider.ts'

export type UidRange = { first: number; count: number }

/** The record of a uid that a process outside the pool ran as when it was to be handed out. */
const inUseOutside = 'in use outside '

/**
 * Hands out one unprivileged host uid (gid = uid) per sandbox from a configured range. Each allocation is a
 * file created with O_EXCL, so it is atomic, survives a server restart and is visible to every process.
 */
export class UidPool {
  readonly #dir: string
  readonly #range: UidRange
  readonly #inUse: (uid: number) => Promise<boolean>

  constructor(dir: string, range: UidRange, inUse: (uid: number) => Promise<boolean> = async () => false) {
    if (range.first < 1000)
      throw new SandboxError('permanent', 'the sandbox uid range must start at 1000 or above')
    this.#dir = dir
    this.#range = range
    this.#inUse = inUse
  }

  async allocate(owner: string): Promise<number> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 })
    const allocations = await this.allocations()
    for (const [uid, holder] of allocations) if (holder === owner) return uid
    for (let uid = this.#range.first; uid < this.#range.first + this.#range.count; uid++) {
      // Known taken: not worth a create that fails. The O_EXCL create below is still what decides.
      if (allocations.has(uid)) continue
      try {
        await writeFile(join(this.#dir, String(uid)), owner, { flag: 'wx', mode: 0o600 })
        if (!(await this.#inUse(uid))) return uid
        // Taken outside this record: keep the file (so nobody here takes it either) and move on.
        await writeFile(join(this.#dir, String(uid)), `${inUseOutside}${this.#dir}`)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      }
    }
    throw new SandboxError('transient', `no free sandbox uid in ${this.#range.first}+${this.#range.count}`)
  }

  async find(owner: string): Promise<number | undefined> {
    for (const [uid, holder] of await this.allocations()) if (holder === owner) return uid
    return undefined
  }

  /**
   * Every allocation, uid -> owner. Read synchronously: one small file per live sandbox, from the page cache,
   * where one async read each waited behind the server's other file operations on a sandbox's critical path.
   */
  async allocations(): Promise<Map<number, string>> {
    const result = new Map<number, string>()
    let names: string[]
    try {
      names = readdirSync(this.#dir)
    } catch {
      return result
    }
    for (const name of names) {
      if (!/^\d+$/.test(name)) continue
      try {
        result.set(Number(name), readFileSync(join(this.#dir, name), 'utf8'))
      } catch {
        // Released meanwhile.
      }
    }
    return result
  }

  async release(uid: number): Promise<void> {
    await rm(join(this.#dir, String(uid)), { force: true })
  }

  /**
   * Releases the records of sandboxes whose whole root directory is gone (a server's sandbox directory removed by
   * hand, a test or benchmark killed before its clean-up), when no process runs as the uid and the record is older
   * than `minAgeMs`. The pool is machine-wide and each server sweeps only its own root: without this, such a uid
   * stays taken for good. A root that exists is left to its own server, even for a sandbox directory missing in
   * it (that server's sweep removes the record), so two servers never release the same record. A uid recorded as
   * in use outside the pool is released on the same terms, once no process runs as it.
   */
  async releaseOrphans(minAgeMs = 60_000): Promise<number[]> {
    const released: number[] = []
    for (const [uid, owner] of await this.allocations()) {
      const outside = owner.startsWith(inUseOutside)
      if (!outside && (!isAbsolute(owner) || existsSync(dirname(owner)))) continue // a live root's
      const record = join(this.#dir, String(uid))
      const written = await stat(record).catch(() => undefined)
      if (!written || Date.now() - written.mtimeMs < minAgeMs) continue
      if (await this.#inUse(uid)) continue
      // Read again: released and taken by another sandbox meanwhile, it is not an orphan any more.
      if ((await readFile(record, 'utf8').catch(() => undefined)) !== owner) continue
      await this.release(uid)
      released.push(uid)
    }
    return released
  }
}
