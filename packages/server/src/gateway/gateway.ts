import { createReadStream, existsSync, statSync } from 'node:fs'
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, resolve, sep } from 'node:path'
import type { Duplex } from 'node:stream'
import {
  type PanelAccess,
  type PanelKind,
  panelAccessHeader,
  panelExchangePath,
  panelPath,
} from '@agent-ops/protocol'
import type { Logger } from '../logger.ts'
import type { SandboxOrigins } from './origin.ts'
import { type PanelTokens, panelCookieName, panelCookiePrefix } from './panel-tokens.ts'
import { type Forward, forwardHttp, forwardUpgrade, refuseUpgrade } from './proxy.ts'

export type GatewayDeps = {
  origins: SandboxOrigins
  tokens: PanelTokens
  /** Origins of the app's own pages: the only ones that may post the token exchange. */
  appOrigins: readonly string[]
  appUrl: string
  /** The session's status, or undefined when it does not exist. */
  sessionStatus(sessionId: string): Promise<string | undefined>
  /** What the user may do on the session right now (undefined: nothing), cached briefly unless `fresh`. */
  currentAccess(userId: string, sessionId: string, fresh?: boolean): Promise<PanelAccess | undefined>
  /** Host path of the session's runner panel socket, or undefined when it has no running sandbox. */
  panelSocket(sessionId: string): Promise<string | undefined>
  /** Panel traffic counts as activity (idle hibernation). */
  touch(sessionId: string): void
  /** The built web client; panel pages are under `panels/`. */
  clientDir: string
  logger: Logger
}

type Target = { panel: PanelKind; port?: number; base: string }

const pageOf: Partial<Record<PanelKind, string>> = { terminal: 'terminal.html', browser: 'browser.html' }
const assetsPrefix = '/_agent-ops/assets/'
const contentTypes: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
}
const reopen = 'Reopen the panel from the session in Agent Ops.'

/** Which panel a sandbox-origin path belongs to; `exact` when it lacks the panel path's trailing slash. */
export function panelOfPath(pathname: string): (Target & { exact: boolean }) | undefined {
  const service = /^\/(terminal|vscode|browser)(\/.*)?$/.exec(pathname)
  if (service) {
    const panel = service[1] as PanelKind
    return { panel, base: panelPath(panel), exact: service[2] === undefined }
  }
  const port = /^\/port\/(\d{1,5})(\/.*)?$/.exec(pathname)
  const n = Number(port?.[1])
  if (port && n >= 1 && n <= 65_535 && String(n) === port[1])
    return { panel: 'port', port: n, base: panelPath('port', n), exact: port[2] === undefined }
  return undefined
}

/**
 * Everything served on sandbox origins: the token exchange, the panel pages and their assets, and the proxy to the
 * runner's panel socket. Each request carries the cookie of its panel; the user's access is re-checked (briefly
 * cached) so a deactivated user or a removed participant is cut off within seconds.
 */
export class Gateway {
  readonly #d: GatewayDeps
  /** Open WebSocket tunnels (the HTTP server's close does not end upgraded sockets). */
  readonly #tunnels = new Set<Duplex>()
  constructor(deps: GatewayDeps) {
    this.#d = deps
  }

  closeAll(): void {
    for (const socket of this.#tunnels) socket.destroy()
    this.#tunnels.clear()
  }

  async handleRequest(req: IncomingMessage, res: ServerResponse, sessionId: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox')
    const status = sessionId ? await this.#d.sessionStatus(sessionId) : undefined
    if (!status) return text(res, 404, 'No such session on this sandbox origin.')
    if (url.pathname === panelExchangePath) {
      if (req.method !== 'POST') return text(res, 405, `${panelExchangePath} takes a POST from the app.`)
      return this.#exchange(req, res, sessionId)
    }
    if (url.pathname.startsWith(assetsPrefix) && (req.method === 'GET' || req.method === 'HEAD'))
      return this.#asset(res, url.pathname.slice(assetsPrefix.length))
    const target = panelOfPath(url.pathname)
    if (!target)
      return text(
        res,
        404,
        `Only panels are served on a sandbox origin (/terminal/, /vscode/, /browser/, /port/<n>/); the app is at ${this.#d.appUrl}.`,
      )
    if (target.exact) {
      res.writeHead(308, { location: `${target.base}${url.search}` })
      return void res.end()
    }
    if (
      req.method !== 'GET' &&
      req.method !== 'HEAD' &&
      req.headers.origin !== this.#d.origins.origin(sessionId)
    )
      return text(
        res,
        403,
        'Cross-origin request refused: changes must come from pages of this panel origin.',
      )
    const granted = await this.#authorize(req.headers, sessionId, target, url.pathname)
    if (typeof granted === 'object') return text(res, granted.status, granted.message)
    const page = pageOf[target.panel]
    if (page && url.pathname === target.base && (req.method === 'GET' || req.method === 'HEAD'))
      return this.#file(res, join(this.#d.clientDir, 'panels', page), 'no-cache')
    const socketPath = await this.#d.panelSocket(sessionId)
    if (!socketPath) return text(res, 503, await this.#notRunning(sessionId))
    this.#d.touch(sessionId)
    forwardHttp(req, res, this.#forward(req.headers, socketPath, url, granted), (error) => {
      this.#d.logger.debug({ sessionId, err: error }, 'panel socket unreachable')
      void this.#notRunning(sessionId).then((message) => text(res, 503, message))
    })
  }

  async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, sessionId: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox')
    const status = sessionId ? await this.#d.sessionStatus(sessionId) : undefined
    if (!status) return refuseUpgrade(socket, 404, 'Not Found', 'No such session on this sandbox origin.')
    const target = panelOfPath(url.pathname)
    if (!target || target.exact) return refuseUpgrade(socket, 404, 'Not Found', 'No panel WebSocket here.')
    // Cross-site WebSocket hijacking: a page elsewhere could open this socket with the user's cookie.
    if (req.headers.origin !== this.#d.origins.origin(sessionId))
      return refuseUpgrade(
        socket,
        403,
        'Forbidden',
        'WebSocket refused: it must be opened by a page of this panel origin.',
      )
    const granted = await this.#authorize(req.headers, sessionId, target, url.pathname)
    if (typeof granted === 'object') return refuseUpgrade(socket, granted.status, 'Refused', granted.message)
    const socketPath = await this.#d.panelSocket(sessionId)
    if (!socketPath) return refuseUpgrade(socket, 503, 'Unavailable', await this.#notRunning(sessionId))
    this.#d.touch(sessionId)
    this.#tunnels.add(socket)
    socket.once('close', () => this.#tunnels.delete(socket))
    let lastTouch = Date.now()
    socket.on('data', () => {
      if (Date.now() - lastTouch < 10_000) return
      lastTouch = Date.now()
      this.#d.touch(sessionId)
    })
    forwardUpgrade(req, socket, head, this.#forward(req.headers, socketPath, url, granted), () => {
      void this.#notRunning(sessionId).then((message) => refuseUpgrade(socket, 503, 'Unavailable', message))
    })
  }

  /** The panel cookie, then the user's current access; a viewer reaches the browser panel only. */
  async #authorize(
    headers: IncomingHttpHeaders,
    sessionId: string,
    target: Target,
    pathname: string,
  ): Promise<PanelAccess | { status: number; message: string }> {
    const value = cookies(headers.cookie).get(panelCookieName(target.panel, target.port))
    const verified = value ? this.#d.tokens.verifyCookie(value) : undefined
    if (!verified?.ok)
      return {
        status: 401,
        message:
          verified?.why === 'expired'
            ? `Your access to this panel has expired. ${reopen}`
            : `This panel needs a sign-in from the app. ${reopen}`,
      }
    const claims = verified.claims
    if (claims.sid !== sessionId || claims.panel !== target.panel || claims.port !== target.port)
      return { status: 403, message: `This panel cookie belongs to another panel. ${reopen}` }
    const current = await this.#d.currentAccess(claims.uid, sessionId)
    if (!current)
      return {
        status: 403,
        message: 'You no longer have access to this session (ask its owner to share it again).',
      }
    const access: PanelAccess = claims.access === 'view' || current === 'view' ? 'view' : 'full'
    if (access === 'view' && !(pathname === '/browser/' || pathname === '/browser/websockify'))
      return { status: 403, message: 'Viewers can watch the browser panel only.' }
    return access
  }

  #forward(headers: IncomingHttpHeaders, socketPath: string, url: URL, access: PanelAccess): Forward {
    const out: IncomingHttpHeaders = { ...headers }
    // Only the gateway says what access the caller has; the browser's copy is dropped.
    delete out[panelAccessHeader]
    out[panelAccessHeader] = access
    const cookie = stripPanelCookies(headers.cookie)
    if (cookie) out.cookie = cookie
    else delete out.cookie
    out['x-forwarded-proto'] = this.#d.origins.scheme
    out['x-forwarded-host'] = headers.host ?? ''
    return { socketPath, path: `${url.pathname}${url.search}`, headers: out }
  }

  async #exchange(req: IncomingMessage, res: ServerResponse, sessionId: string): Promise<void> {
    const origin = req.headers.origin
    if (!origin || !this.#d.appOrigins.includes(origin))
      return text(
        res,
        403,
        `The panel token must be posted from the Agent Ops app (${this.#d.appUrl}). ${reopen}`,
      )
    const form = await readForm(req, 16_384).catch(() => undefined)
    const token = form?.get('token')
    if (!form || !token) return text(res, 400, `Missing the panel token. ${reopen}`)
    const redeemed = await this.#d.tokens.redeem(token)
    if (!redeemed.ok) {
      const why = {
        malformed: 'This panel token is not valid.',
        signature: 'This panel token is not valid.',
        expired: 'This panel token has expired (they last a minute).',
        replayed: 'This panel token was already used (each one works once).',
      }[redeemed.why]
      return text(res, 401, `${why} ${reopen}`)
    }
    const claims = redeemed.claims
    if (claims.sid !== sessionId) return text(res, 403, `This panel token is for another session. ${reopen}`)
    const current = await this.#d.currentAccess(claims.uid, sessionId, true)
    if (!current) return text(res, 403, 'You no longer have access to this session.')
    const access: PanelAccess = claims.access === 'view' || current === 'view' ? 'view' : 'full'
    if (access === 'view' && claims.panel !== 'browser')
      return text(res, 403, 'Viewers can watch the browser panel only.')
    const base = panelPath(claims.panel, claims.port)
    const next = safeNext(form.get('next'), base, this.#d.origins.origin(sessionId))
    if (!next) return text(res, 400, `"next" must be a path under ${base} on this origin.`)
    const cookie = this.#d.tokens.cookieValue({
      sid: claims.sid,
      uid: claims.uid,
      panel: claims.panel,
      port: claims.port,
      access,
    })
    // Panels are iframes inside the app, another site: the cookie must be SameSite=None (hence Secure; Partitioned
    // keeps it to this embedding under third-party cookie blocking). Plain-http origins that are not a secure
    // context cannot have that; Lax works there only when the panel is opened top-level.
    const attributes = this.#d.origins.secureContext ? 'SameSite=None; Secure; Partitioned' : 'SameSite=Lax'
    res.writeHead(303, {
      location: next,
      'set-cookie': `${panelCookieName(claims.panel, claims.port)}=${cookie.value}; Path=${base}; Max-Age=${cookie.maxAgeSeconds}; HttpOnly; ${attributes}`,
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    })
    res.end()
  }

  async #notRunning(sessionId: string): Promise<string> {
    const status = await this.#d.sessionStatus(sessionId)
    if (status === 'hibernated' || status === 'hibernating')
      return 'The session is hibernated: send it a message or resume it, then reopen the panel.'
    if (status === 'stopped' || status === 'stopping' || status === 'failed')
      return `The session is ${status}: its panels are gone.`
    return `The session's panels are not answering (the session is ${status}); try again in a moment.`
  }

  #asset(res: ServerResponse, relative: string) {
    const root = resolve(this.#d.clientDir, 'panels', 'assets')
    let file: string
    try {
      file = resolve(root, decodeURIComponent(relative))
    } catch {
      return text(res, 400, 'Bad asset path.')
    }
    if (!file.startsWith(root + sep)) return text(res, 404, 'No such asset.')
    return this.#file(res, file, 'public, max-age=3600')
  }

  #file(res: ServerResponse, file: string, cacheControl: string) {
    if (!existsSync(file) || !statSync(file).isFile())
      return text(res, 404, 'The panel pages have not been built: run `npm run build` and reload.')
    res.writeHead(200, {
      'content-type': contentTypes[extname(file)] ?? 'application/octet-stream',
      'cache-control': cacheControl,
      'x-content-type-options': 'nosniff',
    })
    createReadStream(file).pipe(res)
  }
}

function text(res: ServerResponse, status: number, message: string) {
  if (res.headersSent) return void res.destroy()
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  })
  res.end(`${message}\n`)
}

function cookies(header: string | undefined): Map<string, string> {
  const map = new Map<string, string>()
  for (const part of header?.split(';') ?? []) {
    const index = part.indexOf('=')
    if (index < 0) continue
    const name = part.slice(0, index).trim()
    if (!map.has(name)) map.set(name, part.slice(index + 1).trim())
  }
  return map
}

/** The Cookie header without the gateway's own cookies (the runner and the apps behind it never see them). */
function stripPanelCookies(header: string | undefined): string | undefined {
  const kept = (header ?? '')
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part && !part.startsWith(panelCookiePrefix))
  return kept.length > 0 ? kept.join('; ') : undefined
}

/** `next` as a normalised path under `base` on `origin`, else undefined. */
function safeNext(next: string | null, base: string, origin: string): string | undefined {
  if (!next) return base
  if (!next.startsWith('/') || next.startsWith('//') || next.includes('\\')) return undefined
  try {
    const url = new URL(next, origin)
    if (url.origin !== origin || !url.pathname.startsWith(base)) return undefined
    return `${url.pathname}${url.search}${url.hash}`
  } catch {
    return undefined
  }
}

function readForm(req: IncomingMessage, limit: number): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        reject(new Error('too large'))
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))))
    req.on('error', reject)
  })
}
