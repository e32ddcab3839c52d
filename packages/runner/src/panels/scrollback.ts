/**
 * A terminal's recent output, bounded by bytes: a client that (re)connects gets it as its first frame. The
 * oldest output goes first; the cut may fall inside an escape sequence, which the terminal shrugs off.
 */
export const DEFAULT_SCROLLBACK_BYTES = 256 * 1024

export class Scrollback {
  readonly #limit: number
  #chunks: string[] = []
  #bytes = 0

  constructor(limitBytes = DEFAULT_SCROLLBACK_BYTES) {
    this.#limit = limitBytes
  }

  get bytes(): number {
    return this.#bytes
  }

  push(data: string) {
    if (!data) return
    this.#chunks.push(data)
    this.#bytes += Buffer.byteLength(data)
    while (this.#bytes > this.#limit && this.#chunks.length > 0) {
      const first = this.#chunks[0] as string
      const firstBytes = Buffer.byteLength(first)
      const excess = this.#bytes - this.#limit
      if (firstBytes <= excess) {
        this.#chunks.shift()
        this.#bytes -= firstBytes
        continue
      }
      // Keep the tail of the oldest chunk; cut on a character boundary (a UTF-8 sequence is never split).
      const kept = Buffer.from(first)
        .subarray(excess)
        .toString('utf8')
        .replace(/^\uFFFD+/, '')
      this.#chunks[0] = kept
      this.#bytes += Buffer.byteLength(kept) - firstBytes
    }
  }

  /** Everything kept, oldest first. */
  text(): string {
    if (this.#chunks.length > 1) this.#chunks = [this.#chunks.join('')]
    return this.#chunks[0] ?? ''
  }
}
