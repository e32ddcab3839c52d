import { EditQueuedMessageInput, QueuedMessage } from '@agent-ops/protocol'
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import type { SessionService } from '../../sessions/session-service.ts'
import type { AppEnv } from '../context.ts'
import { validationHook } from '../errors.ts'
import { bearerSecurity, errorResponses, json, jsonBody } from '../openapi.ts'

const MessageParams = z.object({
  id: z.string().min(1).max(100),
  messageId: z.string().min(1).max(100),
})

/** The prompt queue, while the agent works: a queued message can be edited or removed until the agent takes it. */
const routes = {
  edit: createRoute({
    method: 'patch',
    path: '/sessions/{id}/messages/{messageId}',
    operationId: 'session.queue.edit',
    summary: 'Edit a queued message (409 once it reached the agent)',
    security: bearerSecurity,
    request: { params: MessageParams, body: jsonBody(EditQueuedMessageInput) },
    responses: { 200: json(QueuedMessage, 'The message as it now waits in the queue'), ...errorResponses },
  }),
  cancel: createRoute({
    method: 'delete',
    path: '/sessions/{id}/messages/{messageId}',
    operationId: 'session.queue.cancel',
    summary: 'Remove a queued message so it is never sent (409 once it reached the agent)',
    security: bearerSecurity,
    request: { params: MessageParams },
    responses: { 200: json(QueuedMessage, 'The removed message'), ...errorResponses },
  }),
}

export function queueRoutes(sessions: SessionService) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  app.openapi(routes.edit, async (c) => {
    const { id, messageId } = c.req.valid('param')
    return c.json(await sessions.editQueued(id, messageId, c.req.valid('json'), c.get('actor')), 200)
  })
  app.openapi(routes.cancel, async (c) => {
    const { id, messageId } = c.req.valid('param')
    return c.json(await sessions.cancelQueued(id, messageId, c.get('actor')), 200)
  })
  return app
}
