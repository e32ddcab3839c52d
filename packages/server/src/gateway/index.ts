import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import {
  type PanelAccess,
  type PanelKind,
  PanelService,
  type PanelServiceName,
  PanelServices,
  type PanelToken,
  panelExchangePath,
  panelPath,
} from '@agent-ops/protocol'
import type { Orgs } from '../auth/orgs.ts'
import { allScopes } from '../auth/principal.ts'
import type { SessionAccess } from '../auth/session-access.ts'
import type { Db } from '../db/database.ts'
import { badRequest, forbidden, unavailable } from '../errors.ts'
import type { Logger } from '../logger.ts'
import type { SessionStore } from '../sessions/session-store.ts'
import { Gateway } from './gateway.ts'
import { SandboxOrigins } from './origin.ts'
import { accessOfRole, PanelTokens } from './panel-tokens.ts'
import { isUnreachable, runnerJson } from './proxy.ts'

export { SandboxOrigins } from './origin.ts'
export { PanelTokens } from './panel-tokens.ts'

export type PanelsDeps = {
  db: Db
  secretKey: Buffer
  store: SessionStore
  orgs: Orgs
  access: SessionAccess
  /** Config: the sandbox base URL, or undefined for http://sandbox.localhost:<port>. */
  sandboxBaseUrl: string | undefined
  port: number
  trustProxy: boolean
  appUrl: string
  appOrigins: readonly string[]
  /** Host path of the session's runner panel socket (`provider.panelSocket(handle)` in production). */
  panelSocket(sessionId: string): Promise<string | undefined>
  touch(sessionId: string): void
  clientDir: string
  logger: Logger
  now?: () => number
}

/** How long the gateway trusts a user's looked-up access before asking the database again. */
const accessCacheMs = 5_000

/**
 * The panels of sessions, for the app's API (service states, starting services, minting panel tokens) and the
 * gateway on sandbox origins.
 */
export class Panels {
  readonly origins: SandboxOrigins
  readonly tokens: PanelTokens
  readonly gateway: Gateway
  readonly #d: PanelsDeps
  readonly #cache = new Map<string, { value: PanelAccess | undefined; at: number }>()

  constructor(deps: PanelsDeps) {
    this.#d = deps
    this.origins = new SandboxOrigins(deps.sandboxBaseUrl ?? `http://sandbox.localhost:${deps.port}`, {
      trustProxy: deps.trustProxy,
      appUrl: deps.appUrl,
    })
    if (!deps.sandboxBaseUrl && !/^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:|\/|$)/.test(deps.appUrl))
      deps.logger.warn(
        { sandboxOrigin: this.origins.origin('ses_example') },
        'panels are served on *.sandbox.localhost, which only browsers on this machine reach: set AGENT_OPS_SANDBOX_BASE_URL (e.g. https://sandbox.example.com, with a wildcard DNS record and certificate)',
      )
    this.tokens = new PanelTokens(deps.secretKey, deps.db, deps.now)
    this.gateway = new Gateway({
      origins: this.origins,
      tokens: this.tokens,
      appOrigins: deps.appOrigins,
      appUrl: deps.appUrl,
      sessionStatus: async (id) => (await deps.store.row(id).catch(() => undefined))?.status,
      currentAccess: (userId, sessionId, fresh) =>
        fresh ? this.#access(userId, sessionId) : this.#cachedAccess(userId, sessionId),
      panelSocket: deps.panelSocket,
      touch: deps.touch,
      clientDir: deps.clientDir,
      logger: deps.logger,
    })
  }

  /** A single-use token for `panel`, for a caller whose role on the session access control established. */
  mintToken(sessionId: string, userId: string, role: string, panel: PanelKind, port?: number): PanelToken {
    if (panel === 'port' && port === undefined) throw badRequest('the port panel needs "port"')
    if (panel !== 'port' && port !== undefined) throw badRequest(`"port" is only for the port panel`)
    const access = accessOfRole(role)
    if (access === 'view' && panel !== 'browser') throw forbidden('viewers can watch the browser panel only')
    const { token, expiresAt } = this.tokens.mint({ sid: sessionId, uid: userId, panel, port, access })
    const origin = this.origins.origin(sessionId)
    return {
      token,
      origin,
      exchangeUrl: `${origin}${panelExchangePath}`,
      path: panelPath(panel, port),
      access,
      expiresAt: expiresAt.toISOString(),
    }
  }

  /** The runner's services; all stopped when the sandbox is not running. */
  async services(sessionId: string): Promise<PanelServices> {
    const socketPath = await this.#d.panelSocket(sessionId)
    if (!socketPath) return stoppedServices()
    try {
      const { status, body } = await runnerJson(socketPath, 'GET', '/_runner/services')
      if (status !== 200) throw unavailable(`the runner answered ${status} for its services`)
      return PanelServices.parse(body)
    } catch (error) {
      if (isUnreachable(error)) return stoppedServices()
      throw error
    }
  }

  async start(sessionId: string, name: PanelServiceName): Promise<PanelService> {
    const socketPath = await this.#d.panelSocket(sessionId)
    if (!socketPath) throw unavailable(await this.#notRunning(sessionId))
    try {
      const { status, body } = await runnerJson(socketPath, 'POST', `/_runner/services/${name}/start`, 60_000)
      if (status !== 200) {
        const message =
          (body as { error?: { message?: string } })?.error?.message ?? String(body).slice(0, 200)
        throw unavailable(`the runner could not start ${name}: ${message}`)
      }
      this.#d.touch(sessionId)
      return PanelService.parse(body)
    } catch (error) {
      if (isUnreachable(error)) throw unavailable(await this.#notRunning(sessionId))
      throw error
    }
  }

  /** Sends requests for sandbox origins to the gateway, every other one to `app`. */
  requestListener(app: RequestListener): RequestListener {
    return (req: IncomingMessage, res: ServerResponse) => {
      const sessionId = this.origins.sessionOf(req)
      if (sessionId === undefined) return app(req, res)
      this.gateway.handleRequest(req, res, sessionId).catch((error: unknown) => {
        this.#d.logger.error({ err: error, sessionId }, 'gateway request failed')
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
        res.end('internal error\n')
      })
    }
  }

  /**
   * Dispatches WebSocket upgrades: sandbox origins to the gateway, others to `appUpgrades` (the server the app's
   * WebSocket routes are injected into).
   */
  dispatchUpgrades(server: Server, appUpgrades: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const sessionId = this.origins.sessionOf(req)
      if (sessionId === undefined) {
        appUpgrades.emit('upgrade', req, socket, head)
        return
      }
      this.gateway.handleUpgrade(req, socket, head, sessionId).catch((error: unknown) => {
        this.#d.logger.error({ err: error, sessionId }, 'gateway upgrade failed')
        socket.destroy()
      })
    })
  }

  /** Ends open panel WebSockets (server shutdown). */
  close(): void {
    this.gateway.closeAll()
  }

  async #cachedAccess(userId: string, sessionId: string): Promise<PanelAccess | undefined> {
    const key = `${userId} ${sessionId}`
    const now = Date.now()
    const hit = this.#cache.get(key)
    if (hit && now - hit.at < accessCacheMs) return hit.value
    const value = await this.#access(userId, sessionId)
    if (this.#cache.size > 10_000) this.#cache.clear()
    this.#cache.set(key, { value, at: now })
    return value
  }

  async #access(userId: string, sessionId: string): Promise<PanelAccess | undefined> {
    const { orgs, store, access } = this.#d
    const user = await orgs.user(userId)
    if (!user?.active) return undefined
    const session = await store.find(sessionId)
    if (!session) return undefined
    const role = await access.roleOf(
      {
        user: { id: user.id, name: user.name, email: user.email },
        via: 'cookie',
        scopes: allScopes,
        membership: await orgs.membership(user.id),
      },
      session,
    )
    return role ? accessOfRole(role) : undefined
  }

  async #notRunning(sessionId: string): Promise<string> {
    const status = (await this.#d.store.row(sessionId).catch(() => undefined))?.status
    if (status === 'hibernated' || status === 'hibernating')
      return 'the session is hibernated: send it a message or resume it, then reopen the panel'
    return `the session's sandbox is not running (the session is ${status ?? 'gone'})`
  }
}

function stoppedServices(): PanelServices {
  return {
    services: (['terminal', 'vscode', 'browser'] as const).map((name) => ({
      name,
      state: 'stopped',
      rssBytes: 0,
    })),
    agentRssBytes: 0,
    runnerRssBytes: 0,
  }
}
