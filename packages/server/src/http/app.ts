import { type Health, Limits, RunnerPath, type SignInMethod } from '@agent-ops/protocol'
import { createNodeWebSocket } from '@hono/node-ws'
import { OpenAPIHono } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { ApiKeys } from '../auth/api-keys.ts'
import type { AuditLog } from '../auth/audit.ts'
import type { Auth } from '../auth/better-auth.ts'
import type { Orgs } from '../auth/orgs.ts'
import type { Principal } from '../auth/principal.ts'
import type { RateLimiter } from '../auth/rate-limit.ts'
import type { SessionAccess } from '../auth/session-access.ts'
import type { ShareLinks } from '../auth/share-links.ts'
import { bearerToken, hashToken } from '../auth/tokens.ts'
import type { Panels } from '../gateway/index.ts'
import type { ModelCatalog } from '../llm/model-catalog.ts'
import { llmProxyRoutes } from '../llm/proxy-route.ts'
import type { Logger } from '../logger.ts'
import type { Presence } from '../realtime/presence.ts'
import type { EventBus } from '../realtime/pubsub.ts'
import type { RunnerHub } from '../realtime/runner-hub.ts'
import type { EventLog } from '../sessions/event-log.ts'
import type { SessionService } from '../sessions/session-service.ts'
import type { SessionStore } from '../sessions/session-store.ts'
import type { AppEnv } from './context.ts'
import { errorHandler, errorResponse, validationHook } from './errors.ts'
import { accessControl } from './middleware/access-control.ts'
import { csrfProtection } from './middleware/csrf.ts'
import { rateLimit } from './middleware/rate-limit.ts'
import { requestLog } from './middleware/request-log.ts'
import { policies } from './policies.ts'
import { accountRoutes } from './routes/account.ts'
import { eventRoutes } from './routes/events.ts'
import { orgRoutes } from './routes/org.ts'
import { panelRoutes } from './routes/panels.ts'
import { queueRoutes } from './routes/queue.ts'
import { sessionRoutes } from './routes/sessions.ts'
import { sharingRoutes } from './routes/sharing.ts'
import { healthRoutes, modelRoutes } from './routes/system.ts'
import { mountClient } from './static-client.ts'

export type AppDeps = {
  version: string
  health: () => Health
  secretKey: Buffer
  auth: Auth
  /**
   * The caller of a request, from an API key or a browser session cookie. `renewCookies` receives Set-Cookie values
   * the response must carry (a browser sign-in extended).
   */
  authenticate(
    request: Request,
    renewCookies?: (setCookie: string[]) => void,
  ): Promise<Principal | 'invalid' | undefined>
  /** The app's own origin (for CSRF checks): the configured public URL, else the request's Host. */
  appOrigin(request: Request): string
  clientAddress(c: Context): string
  orgs: Orgs
  keys: ApiKeys
  audit: AuditLog
  access: SessionAccess
  links: ShareLinks
  limiter: RateLimiter
  presence: Presence
  signInMethods: SignInMethod[]
  /** Deactivation beyond the user row: revoke API keys, stop running sessions. */
  offboard(userId: string, by: Principal): Promise<void>
  sessions: SessionService
  store: SessionStore
  log: EventLog
  bus: EventBus
  catalog: ModelCatalog
  hub: RunnerHub
  heartbeatMs: number
  clientDir: string
  /** Panels of sessions: their services, tokens for the sandbox origins. */
  panels: Panels
  logger: Logger
}

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
  app.use(
    '/api/*',
    csrfProtection((c) => deps.appOrigin(c.req.raw)),
  )
  // Sign-in attempts, per client address and per account; stored, so a restart does not reset them.
  const signInRule = { limit: 10, windowMs: 60_000 }
  app.use(
    '/api/auth/sign-in/*',
    rateLimit(deps.limiter, 'sign-in', signInRule, async (c) => {
      const keys = [`ip:${deps.clientAddress(c)}`]
      if (c.req.method !== 'POST') return keys
      const body = (await c.req.raw
        .clone()
        .json()
        .catch(() => ({}))) as { email?: unknown }
      if (typeof body.email === 'string') keys.push(`email:${body.email.toLowerCase()}`)
      return keys
    }),
  )
  app.use(
    '/api/auth/sign-up/*',
    rateLimit(deps.limiter, 'sign-up', signInRule, (c) => [`ip:${deps.clientAddress(c)}`]),
  )
  app.use(
    '/api/*',
    accessControl({
      authenticate: (c) =>
        deps.authenticate(c.req.raw, (cookies) => {
          for (const cookie of cookies) c.header('set-cookie', cookie, { append: true })
        }),
      loadSession: (id) => deps.store.find(id),
      access: deps.access,
    }),
  )
  // Endpoints that mint or use tokens, per caller: after access control, so a refused caller is told why.
  const tokenRule = { limit: 20, windowMs: 60_000 }
  for (const path of ['/api/keys', '/api/invites/accept', '/api/share-links/redeem']) {
    const limit = rateLimit(deps.limiter, `token:${path}`, tokenRule, (c) => [
      `user:${c.get('principal').user.id}`,
    ])
    app.use(path, async (c, next) => (c.req.method === 'POST' ? limit(c, next) : next()))
  }

  app.on(['GET', 'POST'], '/api/auth/*', (c) => deps.auth.handler(c.req.raw))
  app.route('/api', healthRoutes(deps.health))
  app.route(
    '/api',
    accountRoutes({
      signInOptions: async () => ({
        methods: deps.signInMethods,
        firstUser: !(await deps.orgs.hasAnyUser()),
      }),
      orgs: deps.orgs,
      keys: deps.keys,
      audit: deps.audit,
      revokeBrowserSessions: async (userId) => deps.orgs.revokeBrowserSessions(userId),
    }),
  )
  app.route('/api', orgRoutes({ orgs: deps.orgs, audit: deps.audit, offboard: deps.offboard }))
  app.route('/api', modelRoutes(deps.catalog))
  app.route('/api', sessionRoutes({ sessions: deps.sessions, access: deps.access, audit: deps.audit }))
  app.route('/api', queueRoutes(deps.sessions))
  app.route('/api', panelRoutes(deps.panels))
  app.route(
    '/api',
    sharingRoutes({
      store: deps.store,
      access: deps.access,
      links: deps.links,
      audit: deps.audit,
      presence: deps.presence,
    }),
  )
  app.route(
    '/api',
    eventRoutes({
      store: deps.store,
      log: deps.log,
      bus: deps.bus,
      heartbeatMs: deps.heartbeatMs,
      presence: deps.presence,
    }),
  )
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer' })
  app.openAPIRegistry.registerComponent('securitySchemes', 'cookieAuth', {
    type: 'apiKey',
    in: 'cookie',
    name: 'agent-ops.session_token',
  })
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

  // Panels live only on sandbox origins (gateway/): never on the app's, where they could read its cookies.
  app.use('/*', async (c, next) => {
    if (!panelPaths.test(c.req.path)) return next()
    return errorResponse(c, 'not_found', "panels are served only on the session's sandbox origin")
  })
  mountClient(app, deps.clientDir)
  assertEveryRouteHasAPolicy(app.routes)
  return { app, injectWebSocket }
}

const panelPaths = /^\/(_agent-ops|terminal|vscode|browser|port)(\/|$)/

/** A route without an access policy is a bug: refuse to start rather than serve it unguarded. */
export function assertEveryRouteHasAPolicy(routes: readonly { method: string; path: string }[]) {
  const missing = routes
    .filter((r) => r.path.startsWith('/api/') && r.method !== 'ALL')
    .map((r) => `${r.method} ${r.path}`)
    .filter((key) => !(key in policies))
  if (missing.length > 0)
    throw new Error(`API routes without an access policy: ${[...new Set(missing)].join(', ')}`)
}
