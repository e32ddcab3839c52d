import { SessionEvent, SessionLog, SessionTimeline } from '@agent-ops/protocol'
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import { sessionLogDocument } from '../../realtime/log-document.ts'
import type { Presence } from '../../realtime/presence.ts'
import type { EventBus } from '../../realtime/pubsub.ts'
import { sessionEventStream } from '../../realtime/sse.ts'
import { sessionTimelineDocument } from '../../realtime/timeline-document.ts'
import type { EventLog } from '../../sessions/event-log.ts'
import type { SessionStore } from '../../sessions/session-store.ts'
import type { AppEnv } from '../context.ts'
import { errorResponse, validationHook } from '../errors.ts'
import { bearerSecurity, errorResponses } from '../openapi.ts'

const sessionParams = z.object({ id: z.string().min(1).max(100) })
const afterQuery = z.object({
  after: z.string().regex(/^\d+$/, 'after must be a sequence number').optional(),
})

const route = createRoute({
  method: 'get',
  path: '/sessions/{id}/events',
  operationId: 'session.events',
  summary: 'Follow the session: Server-Sent Events, `id:` = sequence; resume with Last-Event-ID (or ?after=)',
  security: bearerSecurity,
  request: { params: sessionParams, query: afterQuery },
  responses: {
    200: { description: 'Event stream', content: { 'text/event-stream': { schema: SessionEvent } } },
    ...errorResponses,
  },
})

const logRoute = createRoute({
  method: 'get',
  path: '/sessions/{id}/log',
  operationId: 'session.log',
  summary:
    'The stored events after `after` (default: all) as one document, less superseded text deltas; follow /events after the last one',
  security: bearerSecurity,
  request: { params: sessionParams, query: afterQuery },
  responses: {
    200: { description: 'Stored events, in order', content: { 'application/json': { schema: SessionLog } } },
    ...errorResponses,
  },
})

const timelineRoute = createRoute({
  method: 'get',
  path: '/sessions/{id}/timeline',
  operationId: 'session.timeline',
  summary:
    "The stored events folded into the session's timeline, as the web app shows it; follow /events after its lastSeq",
  security: bearerSecurity,
  request: { params: sessionParams },
  responses: {
    200: { description: 'The timeline', content: { 'application/json': { schema: SessionTimeline } } },
    ...errorResponses,
  },
})

export function eventRoutes(deps: {
  store: SessionStore
  log: EventLog
  bus: EventBus
  heartbeatMs: number
  presence: Presence
}) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param')
    const lastEventId = c.req.header('last-event-id')
    const raw = lastEventId ?? c.req.valid('query').after ?? '0'
    if (!/^\d+$/.test(raw))
      return errorResponse(c, 'validation_failed', 'Last-Event-ID must be a sequence number')
    await deps.store.row(id)
    // Whoever holds the stream open is watching (presence); closing it leaves.
    const leave = deps.presence.join(id, c.get('principal').user)
    c.req.raw.signal.addEventListener('abort', leave, { once: true })
    return sessionEventStream({
      sessionId: id,
      afterSeq: Number(raw),
      log: deps.log,
      bus: deps.bus,
      heartbeatMs: deps.heartbeatMs,
      signal: c.req.raw.signal,
    })
  })
  app.openapi(logRoute, async (c) => {
    const { id } = c.req.valid('param')
    await deps.store.row(id)
    const document = await sessionLogDocument({
      sessionId: id,
      afterSeq: Number(c.req.valid('query').after ?? 0),
      log: deps.log,
    })
    // Written a page at a time rather than with c.json(), whose typed response the route declares.
    return document as never
  })
  app.openapi(timelineRoute, async (c) => {
    const { id } = c.req.valid('param')
    await deps.store.row(id)
    c.header('cache-control', 'no-store')
    return c.json(await sessionTimelineDocument({ sessionId: id, log: deps.log }), 200)
  })
  return app
}
