import {
  AbortResult,
  CreateSessionInput,
  Limits,
  SendMessageInput,
  SendMessageResult,
  Session,
  SessionList,
} from '@agent-ops/protocol'
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import type { AuditLog } from '../../auth/audit.ts'
import type { SessionAccess } from '../../auth/session-access.ts'
import type { SessionService } from '../../sessions/session-service.ts'
import type { AppEnv } from '../context.ts'
import { validationHook } from '../errors.ts'
import { bearerSecurity, errorResponses } from '../openapi.ts'

const SessionParams = z.object({ id: z.string().min(1).max(100) })
const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
})
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
})

const routes = {
  create: createRoute({
    method: 'post',
    path: '/sessions',
    operationId: 'session.create',
    summary: 'Start a session: a sandbox with the agent, working on the prompt',
    security: bearerSecurity,
    request: { body: jsonBody(CreateSessionInput) },
    responses: { 201: json(Session, 'The new session, booting'), ...errorResponses },
  }),
  list: createRoute({
    method: 'get',
    path: '/sessions',
    operationId: 'session.list',
    summary: `List sessions, newest first (at most ${Limits.sessionListMax})`,
    security: bearerSecurity,
    responses: { 200: json(SessionList, 'Sessions'), ...errorResponses },
  }),
  get: createRoute({
    method: 'get',
    path: '/sessions/{id}',
    operationId: 'session.get',
    security: bearerSecurity,
    request: { params: SessionParams },
    responses: { 200: json(Session, 'The session'), ...errorResponses },
  }),
  stop: createRoute({
    method: 'delete',
    path: '/sessions/{id}',
    operationId: 'session.stop',
    summary: 'Stop the session and clean up its sandbox',
    security: bearerSecurity,
    request: { params: SessionParams },
    responses: { 200: json(Session, 'The stopped session'), ...errorResponses },
  }),
  send: createRoute({
    method: 'post',
    path: '/sessions/{id}/messages',
    operationId: 'session.send',
    summary: 'Send a message: queued behind the current turn (followup) or interrupting it (steer)',
    security: bearerSecurity,
    request: { params: SessionParams, body: jsonBody(SendMessageInput) },
    responses: { 202: json(SendMessageResult, 'Accepted'), ...errorResponses },
  }),
  resume: createRoute({
    method: 'post',
    path: '/sessions/{id}/resume',
    operationId: 'session.resume',
    summary: 'Wake a hibernated session without sending it a message (409 if it is not hibernated)',
    security: bearerSecurity,
    request: { params: SessionParams },
    responses: { 202: json(Session, 'The session, waking up'), ...errorResponses },
  }),
  abort: createRoute({
    method: 'post',
    path: '/sessions/{id}/abort',
    operationId: 'session.abort',
    summary: "Abort the agent's current turn",
    security: bearerSecurity,
    request: { params: SessionParams },
    responses: { 202: json(AbortResult, 'Whether a turn was aborted'), ...errorResponses },
  }),
}

export type SessionRoutesDeps = {
  sessions: SessionService
  access: SessionAccess
  audit: AuditLog
}

export function sessionRoutes({ sessions, access, audit }: SessionRoutesDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  app.openapi(routes.create, async (c) => {
    const p = c.get('principal')
    const session = await sessions.create(c.req.valid('json'), c.get('actor'), p.membership?.orgId ?? null)
    return c.json({ ...session, access: 'owner' as const }, 201)
  })
  app.openapi(routes.list, async (c) => {
    const p = c.get('principal')
    const list = await sessions.list(Limits.sessionListMax, access.visibleFilter(p))
    const withAccess = await Promise.all(
      list.map(async (s) => ({
        ...s,
        access: await access.roleOf(p, {
          id: s.id,
          owner_id: s.owner?.id ?? null,
          org_id: p.membership?.orgId ?? null,
          visibility: s.visibility,
        }),
      })),
    )
    return c.json({ sessions: withAccess }, 200)
  })
  app.openapi(routes.get, async (c) =>
    c.json({ ...(await sessions.get(c.req.valid('param').id)), access: c.get('sessionRole') }, 200),
  )
  app.openapi(routes.stop, async (c) => {
    const row = c.get('session')
    const session = await sessions.stop(row.id)
    if (row.owner_id !== c.get('principal').user.id)
      await audit.record({
        orgId: row.org_id,
        actor: c.get('actor'),
        action: 'session.stopped_by_other',
        target: row.id,
        details: { ownerId: row.owner_id },
      })
    return c.json({ ...session, access: c.get('sessionRole') }, 200)
  })
  app.openapi(routes.send, async (c) => {
    const result = await sessions.send(c.req.valid('param').id, c.req.valid('json'), c.get('actor'))
    return c.json(result, 202)
  })
  app.openapi(routes.resume, async (c) => {
    const session = await sessions.resume(c.req.valid('param').id, c.get('actor'))
    return c.json({ ...session, access: c.get('sessionRole') }, 202)
  })
  app.openapi(routes.abort, async (c) => c.json(await sessions.abort(c.req.valid('param').id), 202))
  return app
}
