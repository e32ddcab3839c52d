import type { AgentEvent } from '@agent-ops/protocol'

/**
 * The runner's outbox: events not yet acknowledged by the server, bounded. Sequence numbers are given when
 * an event is first sent, so events still waiting (link down) can be merged or dropped without leaving a
 * gap. When full, consecutive text.delta events of one part are merged; if still full, the oldest deltas
 * are dropped (text.done carries the whole text); nothing else is ever dropped.
 */
export type Sequenced = { seq: number; event: AgentEvent }
export type PushResult = { merged: number; dropped: number; overCapacity: boolean }

export const DEFAULT_BUFFER_CAPACITY = 20_000
/** A merged delta stays below this, so one frame never grows without bound. */
const MERGED_DELTA_MAX_CHARS = 64 * 1024

export class EventBuffer {
  readonly capacity: number
  /** Sent, not yet acknowledged, in sequence order. */
  #sent: Sequenced[] = []
  #unsent: AgentEvent[] = []
  #nextSeq = 1
  /** Whether #unsent holds two consecutive deltas of one part (spares a scan when it does not). */
  #mergeable = false

  constructor(capacity = DEFAULT_BUFFER_CAPACITY) {
    this.capacity = capacity
  }

  get size(): number {
    return this.#sent.length + this.#unsent.length
  }

  /** The last sequence number given out (0 before the first send). */
  get lastSeq(): number {
    return this.#nextSeq - 1
  }

  push(event: AgentEvent): PushResult {
    const result: PushResult = { merged: 0, dropped: 0, overCapacity: false }
    if (this.size >= this.capacity && this.#mergeable) result.merged = this.#mergeUnsentDeltas()
    while (this.size >= this.capacity && this.#dropOldestDelta()) result.dropped++
    // Nothing but deltas may be dropped: past that the buffer grows, and the caller logs it.
    result.overCapacity = this.size >= this.capacity
    const last = this.#unsent.at(-1)
    if (last && sameDeltaPart(last, event)) this.#mergeable = true
    this.#unsent.push(event)
    return result
  }

  /** Gives the waiting events their sequence numbers and returns them, in order, for sending. */
  takeUnsent(): Sequenced[] {
    const taken = this.#unsent.map((event) => ({ seq: this.#nextSeq++, event }))
    this.#unsent = []
    this.#mergeable = false
    this.#sent.push(...taken)
    return taken
  }

  /** Cumulative acknowledgement: the server stored everything up to `seq`. */
  ack(seq: number): void {
    const keepFrom = this.#sent.findIndex((item) => item.seq > seq)
    this.#sent = keepFrom === -1 ? [] : this.#sent.slice(keepFrom)
  }

  /** After a (re)connect: drops what the server already has, returns what it must receive again. */
  resume(lastSeq: number): Sequenced[] {
    this.ack(lastSeq)
    // The server knows more than we gave out (it cannot, unless ids collide): never reuse its numbers.
    if (lastSeq >= this.#nextSeq) this.#nextSeq = lastSeq + 1
    return [...this.#sent]
  }

  #mergeUnsentDeltas(): number {
    const merged: AgentEvent[] = []
    let count = 0
    for (const event of this.#unsent) {
      const last = merged.at(-1)
      if (
        last?.type === 'text.delta' &&
        event.type === 'text.delta' &&
        sameDeltaPart(last, event) &&
        last.data.delta.length + event.data.delta.length <= MERGED_DELTA_MAX_CHARS
      ) {
        merged[merged.length - 1] = {
          ...last,
          data: { ...last.data, delta: last.data.delta + event.data.delta },
        }
        count++
      } else {
        merged.push(event)
      }
    }
    this.#unsent = merged
    this.#mergeable = false
    return count
  }

  /** Unsent deltas go first (no gap in the sequence); sent ones only when no unsent delta is left. */
  #dropOldestDelta(): boolean {
    const unsentAt = this.#unsent.findIndex((event) => event.type === 'text.delta')
    if (unsentAt !== -1) {
      this.#unsent.splice(unsentAt, 1)
      return true
    }
    const sentAt = this.#sent.findIndex((item) => item.event.type === 'text.delta')
    if (sentAt === -1) return false
    this.#sent.splice(sentAt, 1)
    return true
  }
}

function sameDeltaPart(a: AgentEvent, b: AgentEvent): boolean {
  return (
    a.type === 'text.delta' &&
    b.type === 'text.delta' &&
    a.data.partId === b.data.partId &&
    a.data.messageId === b.data.messageId
  )
}
