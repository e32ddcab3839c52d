import type { SessionEvent } from '@agent-ops/protocol'
import { reduceEvents, type TimelineState } from '@agent-ops/protocol/timeline'

/** Where a session's events come from: its stored log, folded, and the live stream (which replays the log too). */
export interface SessionSource {
  /** The stored log folded into a timeline, by the server (boot/timeline-read.ts). */
  timeline(signal: AbortSignal): Promise<TimelineState>
  /** The events after `after`, in the batches they arrive in: the stored ones, then live ones. */
  follow(after: number, signal: AbortSignal): AsyncIterable<SessionEvent[]>
}

export interface SessionHandlers {
  /** The stored log, folded: the timeline as it was when the page opened. */
  folded(state: TimelineState): void
  /** Events after it, as they arrive. */
  events(batch: SessionEvent[]): void
}

/**
 * Feeds a session's timeline: the stored log folded at once (one render for 10,000 events), then the stream from
 * after the log's last event, so nothing is missed in between and nothing comes twice. When the log cannot be
 * read the stream replays it, more slowly, to the same timeline. Ends when `signal` aborts; an error the stream
 * ends with is thrown.
 */
export async function followSession(
  source: SessionSource,
  handlers: SessionHandlers,
  signal: AbortSignal,
): Promise<void> {
  let after = 0
  try {
    const state = await source.timeline(signal)
    if (state.lastSeq > 0 && !signal.aborted) {
      handlers.folded(state)
      after = state.lastSeq
    }
  } catch {
    // The stream below replays the log; its errors are the ones worth reporting.
  }
  if (signal.aborted) return
  for await (const batch of source.follow(after, signal)) handlers.events(batch)
}

/** What changes a timeline: events from the stream, or the stored log already folded. */
export type TimelineAction = readonly SessionEvent[] | { folded: TimelineState }

/** A folded log replaces a timeline that is behind it (the empty one, or the boot fold's, which is the same). */
export function reduceAction(state: TimelineState, action: TimelineAction): TimelineState {
  if (!('folded' in action)) return reduceEvents(state, action)
  return action.folded.lastSeq > state.lastSeq ? action.folded : state
}
