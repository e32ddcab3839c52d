import { type Health, Limits, RunnerPath } from '@agent-ops/protocol'
import { createNodeWebSocket } from '@hono/node-ws'
import { OpenAPIHono } from '@hono/zod-openapi'
import { bodyLimit } from 'hono/body-limit'
import { bearerToken, hashToken } from '../auth/tokens.ts'
import type { ModelCatalog } from '../llm/model-catalog.ts'
import { llmProxyRoutes } from '../llm/proxy-route.ts'
import type { Logger } from '../logger.ts'
import type { EventBus } from '../realtime/pubsub.ts'
import type { RunnerHub } from '../realtime/runner-hub.ts'
import type { EventLog } from '../sessions/event-log.ts'
import type { SessionService } from '../sessions/session-service.ts'
import type { SessionStore } from '../sessions/session-store.ts'
import type { AppEnv } from './context.ts'
import { errorHandler, errorResponse, validationHook } from './errors.ts'
import { requestLog } from './middleware/request-log.ts'
import { requireAdmin } from './middleware/require-admin.ts'
import { eventRoutes } from './routes/events.ts'
import { sessionRoutes } from './routes/sessions.ts'
import { healthRoutes, modelRoutes } from './routes/system.ts'
import { mountClient } from './static-client.ts'

export type AppDeps = {
  version: string
  health: () => Health
  secretKey: Buffer
  adminTokenHash: () => string
  sessions: SessionService
  store: SessionStore
  log: EventLog
  bus: EventBus
  catalog: ModelCatalog
  hub: RunnerHub
  heartbeatMs: number
  clientDir: string
  logger: Logger
}

/** API routes that need no credentials; every other route checks the caller. */
export const publicApiPaths = new Set(['/api/health', '/api/openapi.json'])

export function buildApp(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  const { injectWebSocket, upgradeWebSocket } = createNodeWebSocket({ app })
  app.onError(errorHandler(deps.logger))

  app.use('/api/*', requestLog(deps.logger))
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: Limits.requestBodyMaxBytes,
      onError: (c) =>
        errorResponse(
          c,
          'payload_too_large',
          `request bodies are limited to ${Limits.requestBodyMaxBytes} bytes`,
        ),
    }),
  )
  const auth = requireAdmin({ secretKey: deps.secretKey, adminTokenHash: deps.adminTokenHash })
  app.use('/api/*', async (c, next) => (publicApiPaths.has(c.req.path) ? next() : auth(c, next)))

  app.route('/api', healthRoutes(deps.health))
  app.route('/api', modelRoutes(deps.catalog))
  app.route('/api', sessionRoutes(deps.sessions))
  app.route(
    '/api',
    eventRoutes({ store: deps.store, log: deps.log, bus: deps.bus, heartbeatMs: deps.heartbeatMs }),
  )
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer' })
  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Agent Ops API',
      version: deps.version,
      description: 'Sessions of background coding agents.',
    },
  })
  app.all('/api/*', (c) => errorResponse(c, 'not_found', `no such API route: ${c.req.method} ${c.req.path}`))

  app.route(
    '/llm',
    llmProxyRoutes({
      catalog: deps.catalog,
      store: deps.store,
      secretKey: deps.secretKey,
      logger: deps.logger,
    }),
  )

  // The runner hub: the runner authenticates with its session's control token; the token names the session.
  app.get(
    RunnerPath,
    async (c, next) => {
      const token = bearerToken(c.req.header('authorization'))
      const row = token
        ? await deps.store.findByControlTokenHash(hashToken(deps.secretKey, token))
        : undefined
      if (!row || row.status === 'stopped') return errorResponse(c, 'unauthorized', 'invalid runner token')
      c.set('actor', { id: `runner:${row.id}`, name: 'runner' })
      await next()
    },
    upgradeWebSocket((c) => deps.hub.handlers(c.get('actor').id.slice('runner:'.length))),
  )

  mountClient(app, deps.clientDir)
  return { app, injectWebSocket }
}
