import { mkdirSync } from 'node:fs'
import { createServer as createHttpServer, type Server as HttpServer, type RequestListener } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type ControlChannel, type ExecResult, SandboxError } from '@agent-ops/sandbox'
import { serve as serveHttp } from '@hono/node-server'
import { getConnInfo } from '@hono/node-server/conninfo'
import type { Context } from 'hono'
import { ApiKeys } from './auth/api-keys.ts'
import { AuditLog } from './auth/audit.ts'
import { authenticator } from './auth/authenticate.ts'
import { createAuth, enabledSignInMethods } from './auth/better-auth.ts'
import { Orgs } from './auth/orgs.ts'
import { RateLimiter } from './auth/rate-limit.ts'
import { loadOrCreateSecretKey } from './auth/secret-key.ts'
import { SessionAccess } from './auth/session-access.ts'
import { ShareLinks } from './auth/share-links.ts'
import { generateToken, hashToken } from './auth/tokens.ts'
import { type ConfigInput, loadConfig } from './config.ts'
import { openDatabase } from './db/database.ts'
import { Panels } from './gateway/index.ts'
import { buildApp } from './http/app.ts'
import { ModelCatalog } from './llm/model-catalog.ts'
import { opencodeProviderConfig } from './llm/opencode-config.ts'
import { configuredProviders } from './llm/providers.ts'
import { createLogger } from './logger.ts'
import { Presence } from './realtime/presence.ts'
import { InProcessEventBus } from './realtime/pubsub.ts'
import { RunnerHub } from './realtime/runner-hub.ts'
import { Admission, activeStatuses } from './sessions/admission.ts'
import { AgentEvents } from './sessions/agent-events.ts'
import { ControlSockets } from './sessions/control-sockets.ts'
import { Dispatcher } from './sessions/dispatcher.ts'
import { EventLog } from './sessions/event-log.ts'
import { IdleHibernation } from './sessions/idle-hibernation.ts'
import { KeyedLock } from './sessions/keyed-lock.ts'
import { PromptQueue } from './sessions/prompt-queue.ts'
import { Recovery } from './sessions/recovery.ts'
import { SandboxControl } from './sessions/sandbox-control.ts'
import { SandboxMonitor } from './sessions/sandbox-monitor.ts'
import { setUpSandboxes } from './sessions/sandbox-setup.ts'
import { SessionService } from './sessions/session-service.ts'
import { SessionStore } from './sessions/session-store.ts'
import { Transitions } from './sessions/transitions.ts'
import { WarmPool } from './sessions/warm-pool.ts'

export const version = '0.1.0'

export type RunningServer = {
  url: string
  port: number
  dataDir: string
  /** How many warm sandboxes have their agent up (benchmarks and tests wait for the pool). */
  warmReady(): Promise<number>
  /** Runs a command inside a session's running sandbox, as its agent (operators and tests). */
  sandboxExec(sessionId: string, command: string[], opts?: { timeoutMs?: number }): Promise<ExecResult>
  /** Every route the HTTP app answers (method and pattern), for the authorization matrix and docs. */
  routes: { method: string; path: string }[]
  /** Stops accepting requests and closes the database. Sandboxes keep running and are re-adopted next start. */
  close(): Promise<void>
}

/** Seams for tests (stand-ins for what the sandbox provider would give). */
export type ServeHooks = {
  /** Host path of a session's runner panel socket, instead of the provider's `panelSocket(handle)`. */
  panelSocket?(sessionId: string): string | undefined
}

/** Starts the control plane: configuration, database, sandbox provider, HTTP API, runner hub, web client. */
export async function serve(overrides: ConfigInput = {}, hooks: ServeHooks = {}): Promise<RunningServer> {
  const config = loadConfig(overrides)
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
  const logger = createLogger(config.logLevel)
  const secretKey = loadOrCreateSecretKey(config.dataDir)
  const database = await openDatabase(join(config.dataDir, 'agent-ops.db'))
  const { db } = database

  const providers = configuredProviders(config)
  const catalog = new ModelCatalog({
    providers,
    defaultModel: config.defaultModel,
    demo: config.demo,
    logger,
  })
  const { provider: sandboxProvider, isolationProblem } = await setUpSandboxes(config, logger)
  if (sandboxProvider.capabilities.isolation === 'none' && !isolationProblem) {
    logger.warn(
      { provider: sandboxProvider.name },
      'SESSIONS ARE NOT ISOLATED: the agent runs as this user with access to this machine. Do not run untrusted work.',
    )
  }

  const bus = new InProcessEventBus()
  const store = new SessionStore(db)
  const log = new EventLog(db, bus)
  const queue = new PromptQueue(db)
  const lock = new KeyedLock()
  const transitions = new Transitions(log, bus, logger, {
    bootTimeoutMs: config.bootTimeoutMs,
    stopTimeoutMs: 60_000,
  })
  let agentEvents: AgentEvents | undefined
  let dispatcher: Dispatcher | undefined
  let recovery: Recovery | undefined
  const hub = new RunnerHub({
    store,
    log,
    agentEvents: () => agentEvents!,
    dispatcher: () => dispatcher!,
    onDisconnect: (sessionId) => recovery?.runnerDisconnected(sessionId),
    logger,
  })
  dispatcher = new Dispatcher({ store, queue, log, transitions, runners: hub, lock, logger })
  agentEvents = new AgentEvents({ log, store, transitions, dispatcher, bus })

  let serverUrl = ''
  let fetchHandler: ((request: Request, env: unknown) => Response | Promise<Response>) | undefined
  // Requests and upgrades for sandbox origins go to the panel gateway, the rest to the app (whose WebSocket
  // routes listen on `appUpgrades`, a server that never binds).
  const appUpgrades = createHttpServer()
  const channels = new ControlSockets({
    fetch: (request, env) => fetchHandler!(request, env),
    upgradeTarget: () => appUpgrades,
    store,
    secretKey,
    logger,
  })
  const sandbox = new SandboxControl({
    provider: sandboxProvider,
    store,
    log,
    transitions,
    channels,
    runners: hub,
    logger,
    // Fresh session tokens at every launch: only their hashes are stored.
    launch: async (sessionId: string, channel?: ControlChannel) => {
      const controlToken = generateToken('aops_ctl')
      const llmToken = generateToken('aops_llm')
      await store.update(sessionId, {
        control_token_hash: hashToken(secretKey, controlToken),
        llm_token_hash: hashToken(secretKey, llmToken),
      })
      const row = await store.row(sessionId)
      return {
        controlUrl: channel?.controlUrl ?? `${serverUrl.replace(/^http/, 'ws')}/internal/runner`,
        controlToken,
        opencodeConfig: opencodeProviderConfig({
          providers,
          catalog: await catalog.list(),
          serverUrl: channel?.serverUrl ?? serverUrl,
          llmToken,
          model: row.model,
        }),
      }
    },
  })
  recovery = new Recovery({
    store,
    transitions,
    sandbox,
    runners: hub,
    dispatcher,
    reconnectTimeoutMs: config.reconnectTimeoutMs,
    logger,
  })
  const admission = new Admission({
    store,
    lock,
    limits: {
      maxActiveSessionsPerUser: config.maxActiveSessionsPerUser,
      memoryBudgetBytes: config.memoryBudgetBytes,
      sandboxMemoryBytes: config.sandboxMemoryBytes,
    },
    reservedBytes: () => warmPool.held * config.sandboxMemoryBytes,
  })
  const warmPool: WarmPool = new WarmPool({
    size: config.warmPoolSize,
    provider: sandboxProvider,
    channels,
    store,
    log,
    transitions,
    fits: () => admission.fitsOneMore(),
    logger,
    warmLaunch: async (channel) => {
      const controlToken = generateToken('aops_ctl')
      const llmToken = generateToken('aops_llm')
      const models = await catalog.list()
      return {
        controlTokenHash: hashToken(secretKey, controlToken),
        llmTokenHash: hashToken(secretKey, llmToken),
        launch: {
          controlUrl: channel?.controlUrl ?? `${serverUrl.replace(/^http/, 'ws')}/internal/runner`,
          controlToken,
          // The default model; each prompt names its session's model anyway.
          opencodeConfig: opencodeProviderConfig({
            providers,
            catalog: models,
            serverUrl: channel?.serverUrl ?? serverUrl,
            llmToken,
            model: models.defaultModel ?? '',
          }),
        },
      }
    },
  })
  const idle = new IdleHibernation({
    store,
    queue,
    sandbox,
    transitions,
    idleTimeoutMs: config.idleTimeoutMs,
    logger,
  })
  const monitor = new SandboxMonitor({ store, log, sandbox, intervalMs: config.sandboxMonitorMs, logger })
  const sessions = new SessionService({
    store,
    queue,
    log,
    transitions,
    dispatcher,
    sandbox,
    runners: hub,
    catalog,
    secretKey,
    sandboxProvider: sandboxProvider.name,
    defaults: { permissionPolicy: config.permissionPolicy },
    admission,
    claimWarm: (sessionId) => warmPool.claim(sessionId),
    isolationProblem,
    logger,
  })

  // The HTTP server binds first: the public URL (cookies, OAuth callbacks) may depend on the port it got.
  const server = serveHttp({
    fetch: (request, env) => fetchHandler!(request, env),
    port: config.port,
    hostname: config.host,
  })
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`port ${config.port} is already in use (set AGENT_OPS_PORT)`)
          : error,
      ),
    )
  })
  const port = (server.address() as AddressInfo).port
  serverUrl = `http://127.0.0.1:${port}`
  const publicUrl = (config.publicUrl ?? `http://localhost:${port}`).replace(/\/+$/, '')

  const orgs = new Orgs(db, secretKey)
  const keys = new ApiKeys(db, secretKey)
  const audit = new AuditLog(db)
  const access = new SessionAccess(db)
  const limiter = new RateLimiter(db)
  // Windows older than a day can never limit anything again.
  const pruneLimits = () => limiter.prune(86_400_000).catch(() => {})
  void pruneLimits()
  const pruneTimer = setInterval(pruneLimits, 3_600_000)
  pruneTimer.unref()
  const oauth = {
    github:
      config.githubClientId && config.githubClientSecret
        ? {
            clientId: config.githubClientId,
            clientSecret: config.githubClientSecret,
            baseUrl: config.githubBaseUrl,
          }
        : undefined,
    google:
      config.googleClientId && config.googleClientSecret
        ? {
            clientId: config.googleClientId,
            clientSecret: config.googleClientSecret,
            issuer: config.googleIssuer,
          }
        : undefined,
  }
  // Without a configured public URL, the loopback names of this port are all the app's own.
  const appOrigins = config.publicUrl
    ? [new URL(publicUrl).origin]
    : [`http://localhost:${port}`, `http://127.0.0.1:${port}`, `http://[::1]:${port}`]
  const auth = createAuth({
    db,
    secretKey,
    baseUrl: publicUrl,
    trustedOrigins: appOrigins,
    password: config.passwordSignIn,
    oauth,
    sessionTtlSeconds: config.authSessionTtlSeconds,
    onUserCreated: async (user) => {
      const joined = await orgs.onUserCreated(user)
      if (joined)
        await audit.record({
          orgId: joined.orgId,
          actor: { id: user.id, name: user.name },
          action: joined.via === 'invite' ? 'invite.accepted' : 'user.joined',
          details: { role: joined.role, via: joined.via },
        })
    },
    refuseSignIn: async (userId) =>
      (await orgs.isDeactivated(userId))
        ? 'this account is deactivated: ask an admin of your team'
        : undefined,
    onSignIn: async ({ userId, ip }) => {
      const user = await orgs.user(userId)
      await audit.record({
        orgId: (await orgs.membership(userId))?.orgId ?? null,
        actor: { id: userId, name: user?.name ?? userId },
        action: 'user.signed_in',
        details: ip ? { ip } : {},
      })
    },
    logger,
  })
  const clientAddress = (c: Context) => {
    const forwarded = config.trustProxy ? c.req.header('x-forwarded-for')?.split(',')[0]?.trim() : undefined
    if (forwarded) return forwarded
    try {
      return getConnInfo(c).remote.address ?? 'unknown'
    } catch {
      return 'local'
    }
  }
  const clientDir = config.clientDir ?? fileURLToPath(new URL('../../client/dist', import.meta.url))
  const panels = new Panels({
    db,
    secretKey,
    store,
    orgs,
    access,
    sandboxBaseUrl: config.sandboxBaseUrl,
    port,
    trustProxy: config.trustProxy,
    appUrl: publicUrl,
    appOrigins,
    panelSocket: async (sessionId) => {
      if (hooks.panelSocket) return hooks.panelSocket(sessionId)
      const handle = await sandbox.handle(sessionId).catch(() => undefined)
      return handle ? sandboxProvider.panelSocket?.(handle) : undefined
    },
    touch: (sessionId) => idle.touch(sessionId),
    clientDir,
    logger,
  })
  const { app, injectWebSocket } = buildApp({
    version,
    health: () => ({
      status: 'ok',
      version,
      isolation: sandboxProvider.capabilities.isolation === 'none' ? 'none' : 'bubblewrap',
      database: 'sqlite',
    }),
    secretKey,
    auth,
    authenticate: authenticator({ auth, keys, orgs }),
    appOrigin: (request) => {
      if (config.publicUrl) return new URL(config.publicUrl).origin
      const proto = (config.trustProxy && request.headers.get('x-forwarded-proto')) || 'http'
      return `${proto}://${request.headers.get('host') ?? `localhost:${port}`}`
    },
    clientAddress,
    orgs,
    keys,
    audit,
    access,
    links: new ShareLinks(db, secretKey),
    limiter,
    presence: new Presence(),
    signInMethods: enabledSignInMethods({ password: config.passwordSignIn, oauth }),
    offboard: async (userId, by) => {
      await keys.revokeAllOf(userId)
      for (const id of await store.idsOwnedBy(userId, activeStatuses)) {
        await sessions
          .stop(id)
          .catch((error: unknown) => logger.warn({ err: error, sessionId: id }, 'stop failed'))
        await audit.record({
          orgId: by.membership?.orgId ?? null,
          actor: { id: by.user.id, name: by.user.name },
          action: 'session.stopped_by_other',
          target: id,
          details: { ownerId: userId, why: 'owner deactivated' },
        })
      }
    },
    sessions,
    store,
    log,
    bus,
    catalog,
    hub,
    heartbeatMs: config.sseHeartbeatMs,
    clientDir,
    panels,
    logger,
  })
  fetchHandler = app.fetch
  injectWebSocket(appUpgrades)
  const [appListener] = server.listeners('request') as RequestListener[]
  server.removeAllListeners('request')
  server.on('request', panels.requestListener(appListener!))
  panels.dispatchUpgrades(server as HttpServer, appUpgrades)
  // Sandboxes left by a previous run: re-adopt the live ones, fail the dead ones.
  await recovery.recoverAfterRestart()
  await idle.armReady()
  monitor.start()
  if (!isolationProblem) warmPool.fill()

  if (!(await orgs.hasAnyUser()) && config.passwordSignIn) {
    process.stderr.write(
      `\n  Agent Ops: no account yet. Open ${publicUrl} and create one: the first account owns the team.\n\n`,
    )
  }
  logger.info(
    { url: `http://localhost:${port}`, dataDir: config.dataDir, providers: providers.map((p) => p.id) },
    'listening',
  )

  return {
    url: serverUrl,
    port,
    dataDir: config.dataDir,
    warmReady: () => warmPool.readyCount(),
    routes: [
      ...new Map(
        app.routes.map((r) => [`${r.method} ${r.path}`, { method: r.method, path: r.path }]),
      ).values(),
    ],
    sandboxExec: async (sessionId, command, opts) => {
      const handle = await sandbox.handle(sessionId)
      if (!handle || !sandboxProvider.exec)
        throw new SandboxError('permanent', `session ${sessionId} has no sandbox that can run commands`)
      return sandboxProvider.exec(handle, command, opts)
    },
    close: async () => {
      transitions.disarmAll()
      clearInterval(pruneTimer)
      idle.stop()
      monitor.stop()
      hub.closeAll()
      panels.close()
      await warmPool.close()
      await channels.closeAll()
      await sandboxProvider.close?.()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        if ('closeAllConnections' in server) server.closeAllConnections()
      })
      await database.close()
    },
  }
}
