import type { SessionEvent } from '@agent-ops/protocol'
import type { EventLog } from '../sessions/event-log.ts'

const encoder = new TextEncoder()
const pageSize = 1000

/** A page of events as the comma-separated members of a JSON array, `first` saying whether one came before. */
function members(events: readonly SessionEvent[], first: boolean): string {
  let text = ''
  for (const [index, event] of events.entries())
    text += (first && index === 0 ? '' : ',') + JSON.stringify(event)
  return text
}

/**
 * The page without the text deltas that a later `text.done` of the same part in it supersedes: that event carries
 * the part's whole text, so a viewer folding the log ends with the same timeline, and a long session's log is
 * mostly such deltas. A part's first event in the document stays, as it fixes where the part sits in the
 * timeline; `seenParts` holds the parts met so far (pages are compacted in order).
 */
export function withoutSupersededDeltas(
  page: readonly SessionEvent[],
  seenParts: Set<string>,
): SessionEvent[] {
  const superseded: boolean[] = []
  const doneLater = new Set<string>()
  for (let index = page.length - 1; index >= 0; index--) {
    const event = page[index]!
    if (event.type === 'text.done') doneLater.add(event.data.partId)
    superseded[index] = event.type === 'text.delta' && doneLater.has(event.data.partId)
  }
  return page.filter((event, index) => {
    if (event.type !== 'text.delta' && event.type !== 'text.done') return true
    const first = !seenParts.has(event.data.partId)
    seenParts.add(event.data.partId)
    return first || !superseded[index]
  })
}

/**
 * The stored events after `afterSeq` as one JSON document, `{"events":[...]}` (the protocol's SessionLog), less
 * the text deltas a later `text.done` supersedes. A browser parses it in one native call, where the same backlog
 * over SSE costs a parser step per line and a JSON.parse per event. The log is read and written a page at a time
 * as the client reads, so a long log never sits in memory whole nor holds the event loop for its whole length.
 * Events appended meanwhile may or may not be included; either way the document is the log's prefix up to its
 * last event, and the event stream resumes after it. The first page is read before answering, so a failure there
 * is an HTTP error, not a cut document.
 */
export async function sessionLogDocument(opts: {
  sessionId: string
  afterSeq: number
  log: EventLog
}): Promise<Response> {
  let page = await opts.log.read(opts.sessionId, opts.afterSeq, pageSize)
  let sent = 0
  const seenParts = new Set<string>()
  const stream = new ReadableStream<Uint8Array>({
    pull: async (controller) => {
      let text = sent === 0 ? '{"events":[' : ''
      const kept = withoutSupersededDeltas(page, seenParts)
      text += members(kept, sent === 0)
      sent += kept.length
      const last = page.at(-1)
      if (page.length < pageSize || !last) {
        controller.enqueue(encoder.encode(`${text}]}`))
        controller.close()
        return
      }
      controller.enqueue(encoder.encode(text))
      page = await opts.log.read(opts.sessionId, last.seq, pageSize)
    },
  })
  return new Response(stream, {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  })
}
