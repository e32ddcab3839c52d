import type { SessionEvent } from '@agent-ops/protocol'
import { emptyTimeline, reduceEvents, type TimelineState } from './timeline/reducer.ts'

/**
 * A session's stored log (`GET /api/sessions/:id/log` at `url`) folded into its timeline: what a viewer opening
 * the session renders, before following live events. Runs in a worker (boot/log-fold.ts). Throws on any
 * failure; the caller then lets the event stream replay the log.
 */
export async function foldSessionLog(url: string): Promise<TimelineState> {
  const response = await fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
  if (!response.ok) throw new Error(`the session log answered HTTP ${response.status}`)
  return reduceEvents(emptyTimeline, checkLog(await response.json()))
}

/**
 * Checks what identifies each event (sequence, type, time) and that the sequence rises, and trusts the payloads,
 * as the SDK's stream reader does: the server validated them when it stored them, and checking 10,000 of them
 * again with zod would take longer than everything else in opening the session. Unlike the SDK, an event type
 * this page does not know (a newer server) is not refused: the fold passes over it, and the timeline shows the
 * rest. That also keeps the protocol's schemas, and zod, out of the worker.
 */
export function checkLog(document: unknown): SessionEvent[] {
  const events = (document as { events?: unknown } | null)?.events
  if (!Array.isArray(events)) throw new Error('the session log has no event list')
  let lastSeq = 0
  for (const event of events as unknown[]) {
    const { seq, type, at, data } = (event ?? {}) as Record<string, unknown>
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq <= lastSeq)
      throw new Error(`the session log's event after ${lastSeq} has no rising sequence`)
    if (typeof type !== 'string') throw new Error(`event ${seq}: no type`)
    if (typeof at !== 'string') throw new Error(`event ${seq}: no timestamp`)
    if (typeof data !== 'object' || data === null) throw new Error(`event ${seq}: no data`)
    lastSeq = seq
  }
  return events as SessionEvent[]
}
