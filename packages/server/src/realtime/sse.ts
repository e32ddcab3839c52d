import type { SessionEvent } from '@agent-ops/protocol'
import type { EventLog } from '../sessions/event-log.ts'
import type { EventBus } from './pubsub.ts'

/** Each event is serialised once, however many viewers receive it. */
const frames = new WeakMap<SessionEvent, Uint8Array>()
const encoder = new TextEncoder()

function frame(event: SessionEvent): Uint8Array {
  let bytes = frames.get(event)
  if (!bytes) {
    bytes = encoder.encode(`id: ${event.seq}\ndata: ${JSON.stringify(event)}\n\n`)
    frames.set(event, bytes)
  }
  return bytes
}

const backlogPageSize = 1000

/**
 * A session's event stream: the stored events after `afterSeq`, then live ones, with no gap and no duplicate.
 * Live events are subscribed to before the backlog is read; those that arrive meanwhile are held and only the
 * ones past the backlog are sent.
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
      const send = (event: SessionEvent) => {
        if (closed || event.seq <= lastSent) return
        lastSent = event.seq
        controller.enqueue(frame(event))
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
        else send(event)
      })
      controller.enqueue(encoder.encode(': connected\n\n'))
      try {
        for (;;) {
          const page = await opts.log.read(opts.sessionId, lastSent, backlogPageSize)
          for (const event of page) send(event)
          if (page.length < backlogPageSize) break
        }
      } catch (error) {
        controller.error(error)
        return close()
      }
      for (const event of held ?? []) send(event)
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
