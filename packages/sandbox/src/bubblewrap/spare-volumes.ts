import { randomBytes } from 'node:crypto'
import { lstat, mkdir, readdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { formatVolume, mountVolume, removeVolume } from './volume.ts'

/**
 * Volumes formatted and mounted ahead of time, so that neither formatting (~0.1 s) nor mounting (two commands,
 * ~30 ms) is on a cold start's critical path. A spare is laid out as a sandbox's directory is: the sparse image
 * (`volume.img`, a few MB on disk) and its mount point (`volume/`, mounted as mountVolume does). take() renames a
 * whole spare into place as a new sandbox's directory: atomic (two starts never get the same one), and the mount
 * moves with its directory. A refill runs in the background.
 *
 * Spares of another size (the disk quota was changed) and half-made ones are unmounted and removed, never used.
 * close() removes every spare, so a server that stops leaves no mount behind; a crashed server's spares are
 * reused (or removed) by the next one.
 */
export class SpareVolumes {
  readonly #dir: string
  readonly #sizeBytes: number
  readonly #count: number
  #refilling: Promise<void> | undefined
  #refillTimer: NodeJS.Timeout | undefined
  #closed = false

  constructor(dir: string, sizeBytes: number, count = 2) {
    this.#dir = dir
    this.#sizeBytes = sizeBytes
    this.#count = count
  }

  /** Renames a spare to `dir` (which must not exist yet); false when there is none (the caller makes its own). */
  async take(dir: string): Promise<boolean> {
    if (this.#closed) return false
    for (const name of await this.#spares()) {
      try {
        await rename(join(this.#dir, name), dir)
        return true
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
        // Taken by a concurrent start: try the next.
      }
    }
    return false
  }

  /** Makes spares, one at a time, until there are `count`; one refill at a time. Never throws. */
  refill(): Promise<void> {
    if (this.#closed) return Promise.resolve()
    this.#refilling ??= this.#fill()
      .catch(() => {}) // a spare is an optimisation: the next start formats and mounts its own volume
      .finally(() => {
        this.#refilling = undefined
      })
    return this.#refilling
  }

  /**
   * Refills in `delayMs`, once however often asked meanwhile. For a spare just taken by a start: a refill runs four
   * commands from the server's process and mounts a volume, which must not compete with that start's own work.
   */
  refillLater(delayMs: number): void {
    if (this.#closed || this.#refillTimer) return
    this.#refillTimer = setTimeout(() => {
      this.#refillTimer = undefined
      void this.refill()
    }, delayMs)
    this.#refillTimer.unref()
  }

  /** Resolves once the refill in progress, if any, is done. */
  async settled(): Promise<void> {
    await this.#refilling
  }

  /** Stops refilling and removes every spare: unmounted, image deleted. */
  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#refillTimer)
    await this.#refilling
    for (const name of await readdir(this.#dir).catch(() => [] as string[]))
      await discard(join(this.#dir, name))
  }

  async #fill() {
    // Not recursive: a root directory removed under us (a test's clean-up) stays removed.
    await mkdir(this.#dir, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error
    })
    const spares = new Set(await this.#spares())
    for (const name of await readdir(this.#dir)) if (!spares.has(name)) await discard(join(this.#dir, name))
    while (!this.#closed && (await this.#spares()).length < this.#count) {
      const id = randomBytes(6).toString('hex')
      // Made under a name take() ignores, then renamed: a crash midway leaves no half-made spare in use.
      const partial = join(this.#dir, `partial-${id}`)
      await mkdir(partial, { mode: 0o711 })
      await formatVolume(join(partial, 'volume.img'), this.#sizeBytes, { background: true })
      await mountVolume(join(partial, 'volume.img'), join(partial, 'volume'))
      await rename(partial, join(this.#dir, `${this.#prefix}${id}`))
    }
  }

  get #prefix(): string {
    return `${this.#sizeBytes}-`
  }

  async #spares(): Promise<string[]> {
    const names = await readdir(this.#dir).catch(() => [] as string[])
    const pattern = new RegExp(`^${this.#prefix}[0-9a-f]+$`)
    return names.filter((name) => pattern.test(name))
  }
}

/** Removes a spare (or anything else found among them), unmounting its volume first. */
async function discard(path: string) {
  const stats = await lstat(path).catch(() => undefined)
  if (stats?.isDirectory()) await removeVolume(join(path, 'volume.img'), join(path, 'volume'))
  await rm(path, { recursive: true, force: true })
}
