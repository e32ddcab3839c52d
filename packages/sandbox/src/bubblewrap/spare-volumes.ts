import { randomBytes } from 'node:crypto'
import { mkdir, readdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { formatVolume } from './volume.ts'

/**
 * Formatted, empty volume images made ahead of time, so that formatting is not on a cold start's critical
 * path. A spare is a sparse file (a few MB on disk) in its own directory under the sandboxes' root; take()
 * moves one into a new sandbox with a rename (atomic: two starts never get the same one), and a refill runs
 * in the background. Spares of another size (the disk quota was changed) are removed, not used.
 */
export class SpareVolumes {
  readonly #dir: string
  readonly #sizeBytes: number
  readonly #count: number
  #refilling: Promise<void> | undefined

  constructor(dir: string, sizeBytes: number, count = 2) {
    this.#dir = dir
    this.#sizeBytes = sizeBytes
    this.#count = count
  }

  /** Moves a spare to `image`; false when there is none (the caller formats one itself). */
  async take(image: string): Promise<boolean> {
    for (const name of await this.#spares()) {
      try {
        await rename(join(this.#dir, name), image)
        return true
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
        // Taken by a concurrent start: try the next.
      }
    }
    return false
  }

  /** Formats spares, one at a time, until there are `count`; one refill at a time. Never throws. */
  refill(): Promise<void> {
    this.#refilling ??= this.#fill()
      .catch(() => {}) // a spare is an optimisation: the next start formats its own volume
      .finally(() => {
        this.#refilling = undefined
      })
    return this.#refilling
  }

  /** Resolves once the refill in progress, if any, is done. */
  async settled(): Promise<void> {
    await this.#refilling
  }

  async #fill() {
    // Not recursive: a root directory removed under us (a test's clean-up) stays removed.
    await mkdir(this.#dir, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error
    })
    for (const name of await readdir(this.#dir))
      if (!name.startsWith(this.#prefix)) await rm(join(this.#dir, name), { force: true })
    while ((await this.#spares()).length < this.#count) {
      const id = randomBytes(6).toString('hex')
      // Formatted under a name take() ignores, then renamed: a crash mid-format leaves no half-made spare.
      const partial = join(this.#dir, `partial-${id}`)
      await formatVolume(partial, this.#sizeBytes, { background: true })
      await rename(partial, join(this.#dir, `${this.#prefix}${id}.img`))
    }
  }

  get #prefix(): string {
    return `${this.#sizeBytes}-`
  }

  async #spares(): Promise<string[]> {
    const names = await readdir(this.#dir).catch(() => [] as string[])
    return names.filter((name) => name.startsWith(this.#prefix) && name.endsWith('.img'))
  }
}
