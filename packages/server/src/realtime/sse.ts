import type { SessionEvent } from '@agent-ops/protocol'
import type { EventLog } from '../sessions/event-log.ts'
import type { EventBus } from './pubsub.ts'

/** Each live event is serialised once, however many viewers receive it. */
const frames = new WeakMap<SessionEvent, Uint8Array>()
const encoder = new TextEncoder()

const frameText = (event: SessionEvent) => `id: ${event.seq}\ndata: ${JSON.stringify(event)}\n\n`

function frame(event: SessionEvent): Uint8Array {
  let bytes = frames.get(event)
  if (!bytes) {
    bytes = encoder.encode(frameText(event))
    frames.set(event, bytes)
  }
  return bytes
}

/**
 * Many events' frames as one chunk. A backlog page goes out in one write: written event by event, a
 * 10,000-event log cost 10,000 chunked-encoding writes and dominated the time to open a long session. Backlog
 * events are read for this viewer alone, so their frames are not cached.
 */
function framesOf(events: readonly SessionEvent[]): Uint8Array {
  let text = ''
  for (const event of events) text += frameText(event)
  return encoder.encode(text)
}

const backlogPageSize = 1000

/**
 * A session's event stream: the stored events after `afterSeq`, then live ones, with no gap and no duplicate.
 * Live events are subscribed to before the backlog is read; those that arrive meanwhile are held and only the
 * ones past the backlog are sent. The backlog and the held events go out one chunk per page.
 */
export function sessionEventStream(opts: {
  sessionId: string
  afterSeq: number
  log: EventLog
  bus: EventBus
  heartbeatMs: number
  signal: AbortSignal
}): Response {
  let unsubscribe = () => {}
  let heartbeat: NodeJS.Timeout | undefined
  const stream = new ReadableStream<Uint8Array>({
    start: async (controller) => {
      let lastSent = opts.afterSeq
      let held: SessionEvent[] | undefined = []
      let closed = false
      /** Sends the events past the last one sent, in one chunk; `events` are in seq order. */
      const sendAll = (events: readonly SessionEvent[]) => {
        if (closed) return
        const fresh = events.filter((event) => event.seq > lastSent)
        const last = fresh.at(-1)
        if (!last) return
        lastSent = last.seq
        controller.enqueue(fresh.length === 1 ? frame(last) : framesOf(fresh))
      }
      const close = () => {
        if (closed) return
        closed = true
        unsubscribe()
        clearInterval(heartbeat)
        try {
          controller.close()
        } catch {
          // Already closed by the client.
        }
      }
      opts.signal.addEventListener('abort', close, { once: true })
      unsubscribe = opts.bus.subscribe(opts.sessionId, (event) => {
        if (held) held.push(event)
        else sendAll([event])
      })
      controller.enqueue(encoder.encode(': connected\n\n'))
      try {
        for (;;) {
          const page = await opts.log.read(opts.sessionId, lastSent, backlogPageSize)
          sendAll(page)
          if (page.length < backlogPageSize || closed) break
        }
      } catch (error) {
        controller.error(error)
        return close()
      }
      // Sorted in case two appends published out of commit order: an earlier seq after a later one would be lost.
      sendAll((held ?? []).sort((a, b) => a.seq - b.seq))
      held = undefined
      heartbeat = setInterval(() => {
        if (!closed) controller.enqueue(encoder.encode(': ping\n\n'))
      }, opts.heartbeatMs)
      heartbeat.unref()
    },
    cancel: () => {
      unsubscribe()
      clearInterval(heartbeat)
    },
  })
  return new Response(stream, {
    status: 200,
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    },
  })
}
