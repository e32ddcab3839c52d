import type { AgentEvent } from '@agent-ops/protocol'

/**
 * Coalesces text.delta events: the first delta of a burst goes out at once (first-token latency), later
 * ones are merged per part and flushed every `intervalMs`. Any other event flushes what is pending first,
 * so the order of events is kept.
 */
type TextDelta = Extract<AgentEvent, { type: 'text.delta' }>

export const DELTA_FLUSH_INTERVAL_MS = 25

export class DeltaCoalescer {
  readonly #emit: (event: AgentEvent) => void
  readonly #intervalMs: number
  #pending: TextDelta | undefined
  /** Set while a burst is open: deltas arriving now wait for the next tick. */
  #timer: NodeJS.Timeout | undefined

  constructor(emit: (event: AgentEvent) => void, intervalMs = DELTA_FLUSH_INTERVAL_MS) {
    this.#emit = emit
    this.#intervalMs = intervalMs
  }

  push(event: AgentEvent): void {
    if (event.type !== 'text.delta') {
      this.flush()
      this.#emit(event)
      return
    }
    if (this.#timer === undefined) {
      this.#emit(event)
      this.#timer = setTimeout(this.#tick, this.#intervalMs)
      return
    }
    const pending = this.#pending
    if (
      pending &&
      pending.data.partId === event.data.partId &&
      pending.data.messageId === event.data.messageId
    ) {
      pending.data.delta += event.data.delta
      return
    }
    this.flush()
    this.#pending = { type: 'text.delta', data: { ...event.data } }
  }

  /** Emits the pending merged delta, if any. */
  flush(): void {
    const pending = this.#pending
    if (!pending) return
    this.#pending = undefined
    this.#emit(pending)
  }

  /** Flushes and stops the timer. */
  close(): void {
    this.flush()
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #tick = () => {
    if (this.#pending) {
      this.flush()
      this.#timer = setTimeout(this.#tick, this.#intervalMs)
    } else {
      // A quiet interval ends the burst: the next delta goes out at once again.
      this.#timer = undefined
    }
  }
}
