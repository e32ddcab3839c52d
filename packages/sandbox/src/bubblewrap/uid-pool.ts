import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
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
    const existing = await this.find(owner)
    if (existing !== undefined) return existing
    for (let uid = this.#range.first; uid < this.#range.first + this.#range.count; uid++) {
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

  async allocations(): Promise<Map<number, string>> {
    const names = await readdir(this.#dir).catch(() => [] as string[])
    const result = new Map<number, string>()
    for (const name of names) {
      const owner = await readFile(join(this.#dir, name), 'utf8').catch(() => undefined)
      if (owner !== undefined && /^\d+$/.test(name)) result.set(Number(name), owner)
    }
    return result
  }

  async release(uid: number): Promise<void> {
    await rm(join(this.#dir, String(uid)), { force: true })
  }
}
