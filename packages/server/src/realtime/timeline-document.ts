import {
  emptyTimeline,
  reduceEvents,
  type TimelineDocument,
  toTimelineDocument,
} from '@agent-ops/protocol/timeline'
import type { EventLog } from '../sessions/event-log.ts'

const pageSize = 1000

/**
 * A session's stored log folded into its timeline (`GET /api/sessions/:id/timeline`), with the web app's own fold.
 * A viewer opening a long session then receives what it renders, about half the log's size, instead of reading
 * and folding 10,000 events itself, on a browser's main thread that is busy starting the app. The log is read and
 * folded a page at a time, the event loop turning between pages, so a long log never holds it for its whole
 * length. Events appended meanwhile may or may not be included; either way the timeline is the log's prefix up to
 * `lastSeq`, and the event stream resumes after it.
 */
export async function sessionTimelineDocument(opts: {
  sessionId: string
  log: EventLog
}): Promise<TimelineDocument> {
  let state = emptyTimeline
  for (;;) {
    const page = await opts.log.read(opts.sessionId, state.lastSeq, pageSize)
    state = reduceEvents(state, page)
    if (page.length < pageSize) return toTimelineDocument(state)
    await new Promise((resolve) => setImmediate(resolve))
  }
}
