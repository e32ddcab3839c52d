import { mkdirSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LocalProvider } from '@agent-ops/sandbox'
import { serve as serveHttp } from '@hono/node-server'
import { loadAdminTokenHash, setupAdminToken } from './auth/admin-token.ts'
import { loadOrCreateSecretKey } from './auth/secret-key.ts'
import { generateToken, hashToken } from './auth/tokens.ts'
import { type ConfigInput, loadConfig } from './config.ts'
import { openDatabase } from './db/database.ts'
import { buildApp } from './http/app.ts'
import { ModelCatalog } from './llm/model-catalog.ts'
import { opencodeProviderConfig } from './llm/opencode-config.ts'
import { configuredProviders } from './llm/providers.ts'
import { createLogger } from './logger.ts'
import { InProcessEventBus } from './realtime/pubsub.ts'
import { RunnerHub } from './realtime/runner-hub.ts'
import { AgentEvents } from './sessions/agent-events.ts'
import { Dispatcher } from './sessions/dispatcher.ts'
import { EventLog } from './sessions/event-log.ts'
import { KeyedLock } from './sessions/keyed-lock.ts'
import { PromptQueue } from './sessions/prompt-queue.ts'
import { Recovery } from './sessions/recovery.ts'
import { SandboxControl } from './sessions/sandbox-control.ts'
import { SessionService } from './sessions/session-service.ts'
import { SessionStore } from './sessions/session-store.ts'
import { Transitions } from './sessions/transitions.ts'

export const version = '0.1.0'

export type RunningServer = {
  url: string
  port: number
  dataDir: string
  /** Stops accepting requests and closes the database. Sandboxes keep running and are re-adopted next start. */
  close(): Promise<void>
}

/** Starts the control plane: configuration, database, sandbox provider, HTTP API, runner hub, web client. */
export async function serve(overrides: ConfigInput = {}): Promise<RunningServer> {
  const config = loadConfig(overrides)
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
  const logger = createLogger(config.logLevel)
  const secretKey = loadOrCreateSecretKey(config.dataDir)
  const database = await openDatabase(join(config.dataDir, 'agent-ops.db'))
  const { db } = database
  const admin = await setupAdminToken(db, secretKey, config.adminToken)
  let adminTokenHash = await loadAdminTokenHash(db)

  const providers = configuredProviders(config)
  const catalog = new ModelCatalog({
    providers,
    defaultModel: config.defaultModel,
    demo: config.demo,
    logger,
  })
  const sandboxProvider = new LocalProvider({
    rootDir: join(config.dataDir, 'sandboxes'),
    runnerEntry: fileURLToPath(import.meta.resolve('@agent-ops/runner/main')),
  })
  if (sandboxProvider.capabilities.isolation === 'none') {
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
  const sandbox = new SandboxControl({
    provider: sandboxProvider,
    store,
    log,
    transitions,
    logger,
    // Fresh session tokens at every launch: only their hashes are stored.
    launch: async (sessionId) => {
      const controlToken = generateToken('aops_ctl')
      const llmToken = generateToken('aops_llm')
      await store.update(sessionId, {
        control_token_hash: hashToken(secretKey, controlToken),
        llm_token_hash: hashToken(secretKey, llmToken),
      })
      const row = await store.row(sessionId)
      return {
        controlUrl: `${serverUrl.replace(/^http/, 'ws')}/internal/runner`,
        controlToken,
        opencodeConfig: opencodeProviderConfig({
          providers,
          catalog: await catalog.list(),
          serverUrl,
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
    adminTokenHash: () => adminTokenHash,
    sessions,
    store,
    log,
    bus,
    catalog,
    hub,
    heartbeatMs: config.sseHeartbeatMs,
    clientDir: config.clientDir ?? fileURLToPath(new URL('../../client/dist', import.meta.url)),
    logger,
  })

  const server = serveHttp({ fetch: app.fetch, port: config.port, hostname: config.host })
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
  injectWebSocket(server)
  const port = (server.address() as AddressInfo).port
  serverUrl = `http://127.0.0.1:${port}`
  // Sandboxes left by a previous run: re-adopt the live ones, fail the dead ones.
  await recovery.recoverAfterRestart()

  if (admin.generatedToken) {
    process.stderr.write(
      `\n  Agent Ops admin token (shown once, keep it safe):\n\n    ${admin.generatedToken}\n\n` +
        '  Use it in the web UI, or: export AGENT_OPS_TOKEN=<token> for the CLI.\n\n',
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
    close: async () => {
      transitions.disarmAll()
      hub.closeAll()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        if ('closeAllConnections' in server) server.closeAllConnections()
      })
      await database.close()
      adminTokenHash = ''
    },
  }
}
