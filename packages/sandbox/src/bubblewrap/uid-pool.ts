import { readdirSync, readFileSync } from 'node:fs'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { SandboxError } from '../provider.ts'

export type UidRange = { first: number; count: number }

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
        await writeFile(join(this.#dir, String(uid)), `in use outside ${this.#dir}`)
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
}
