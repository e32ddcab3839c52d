// What the GitHub and Google stand-ins share: the registered OAuth app, the authorization records and their
// single-use codes, PKCE, client authentication, request bodies, and starting a loopback server.
import { createHash, randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import type { Context, Hono } from 'hono'

/** One authorization request, from the authorize redirect to the token exchange. Tests read these. */
export type Authorization = {
  /** Random id; the consent form posts it back. */
  id: string
  clientId: string
  redirectUri: string
  state: string | undefined
  scopes: string[]
  codeChallenge: string | undefined
  codeChallengeMethod: 'S256' | 'plain' | undefined
  nonce: string | undefined
  /** Every query parameter of the authorize request, as sent. */
  params: Record<string, string>
  status: 'pending' | 'approved' | 'denied' | 'exchanged'
  /** The account (GitHub login, Google email) chosen on the consent page. */
  account: string | undefined
  code: string | undefined
  createdAtMs: number
}

export type OAuthServerOptions = {
  clientId?: string
  clientSecret?: string
  /**
   * Registered callback URLs, matched exactly. Omitted or empty: any http(s) redirect_uri is accepted, because the
   * server under test usually gets its port after the stand-in has started. The returned `redirectUris` array
   * can also be filled in later.
   */
  redirectUris?: string[]
  /** Skip the consent page: redirect at once as the next (or default) user. For tests without a browser. */
  autoApprove?: boolean
  port?: number
  host?: string
}

/** Codes live ten minutes on GitHub and Google alike; nothing in a test should come close. */
const CODE_LIFETIME_MS = 10 * 60 * 1000

export function randomToken(bytes = 20): string {
  return randomBytes(bytes).toString('base64url')
}

export function pkceMatches(auth: Authorization, verifier: string): boolean {
  if (auth.codeChallengeMethod === 'plain') return verifier === auth.codeChallenge
  return createHash('sha256').update(verifier).digest('base64url') === auth.codeChallenge
}

/** Authorization records, with the code index and the "next user" the consent page preselects. */
export class AuthorizationStore {
  readonly all: Authorization[] = []
  private readonly byCode = new Map<string, Authorization>()

  create(fields: Omit<Authorization, 'id' | 'status' | 'account' | 'code' | 'createdAtMs'>): Authorization {
    const auth: Authorization = {
      ...fields,
      id: randomToken(12),
      status: 'pending',
      account: undefined,
      code: undefined,
      createdAtMs: Date.now(),
    }
    this.all.push(auth)
    return auth
  }

  pending(id: string): Authorization | undefined {
    return this.all.find((a) => a.id === id && a.status === 'pending')
  }

  approve(auth: Authorization, account: string, codePrefix = ''): string {
    auth.status = 'approved'
    auth.account = account
    auth.code = codePrefix + randomToken(15)
    this.byCode.set(auth.code, auth)
    return auth.code
  }

  /** The approved, unexpired authorization behind `code`, consumed: a code works once. */
  redeem(code: string): Authorization | undefined {
    const auth = this.byCode.get(code)
    if (!auth) return undefined
    this.byCode.delete(code)
    if (auth.status !== 'approved' || Date.now() - auth.createdAtMs > CODE_LIFETIME_MS) return undefined
    auth.status = 'exchanged'
    return auth
  }
}

/** Whether `uri` may receive codes for this app (see OAuthServerOptions.redirectUris). */
export function redirectAllowed(registered: string[], uri: string): boolean {
  if (registered.length > 0) return registered.includes(uri)
  try {
    const { protocol } = new URL(uri)
    return protocol === 'http:' || protocol === 'https:'
  } catch {
    return false
  }
}

/** `uri` with `params` added to its query (existing ones kept), for the redirect back to the client. */
export function withQuery(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri)
  for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, value)
  return url.href
}

/** Token endpoint parameters: form-urlencoded (what OAuth clients send) or JSON (GitHub also takes it). */
export async function readParams(c: Context): Promise<Record<string, string>> {
  const raw = await c.req.text()
  if ((c.req.header('content-type') ?? '').includes('application/json')) {
    try {
      const parsed: unknown = JSON.parse(raw)
      if (parsed === null || typeof parsed !== 'object') return {}
      return Object.fromEntries(
        Object.entries(parsed).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : [])),
      )
    } catch {
      return {}
    }
  }
  return Object.fromEntries(new URLSearchParams(raw))
}

/**
 * Client credentials from `Authorization: Basic` (client_secret_basic, both halves form-urlencoded per
 * RFC 6749 §2.3.1) or from the body (client_secret_post).
 */
export function clientCredentials(c: Context, params: Record<string, string>) {
  const match = /^Basic +(.+)$/i.exec(c.req.header('authorization') ?? '')
  if (match?.[1]) {
    const decoded = Buffer.from(match[1], 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    const decode = (s: string) => new URLSearchParams(`v=${s}`).get('v') ?? ''
    if (colon > 0) {
      return { clientId: decode(decoded.slice(0, colon)), clientSecret: decode(decoded.slice(colon + 1)) }
    }
  }
  return { clientId: params.client_id, clientSecret: params.client_secret }
}

export function bearerToken(c: Context, schemes = ['bearer']): string | undefined {
  const [scheme, token] = (c.req.header('authorization') ?? '').trim().split(/\s+/, 2)
  return scheme && token && schemes.includes(scheme.toLowerCase()) ? token : undefined
}

/** A round avatar with the account's initial, so pictures in the UI load without leaving loopback. */
export function avatarSvg(label: string): string {
  const initial = (label.trim()[0] ?? '?').toUpperCase().replace(/[^A-Z0-9]/, '?')
  let hue = 0
  for (const ch of label) hue = (hue * 31 + ch.charCodeAt(0)) % 360
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">` +
    `<circle cx="48" cy="48" r="48" fill="hsl(${hue} 55% 45%)"/>` +
    `<text x="48" y="62" font-family="sans-serif" font-size="44" fill="#fff" text-anchor="middle">${initial}</text>` +
    `</svg>`
  )
}

export type Listening = { url: string; close(): Promise<void> }

/** Serves `app` on loopback (an ephemeral port unless one is given). */
export async function listen(app: Hono, opts: { port?: number; host?: string }): Promise<Listening> {
  const host = opts.host ?? '127.0.0.1'
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: opts.port ?? 0, hostname: host }, () => resolve(s))
    s.once('error', reject)
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        // Idle keep-alive sockets (a browser's, a fetch pool's) would otherwise hold close() open.
        if ('closeAllConnections' in server) server.closeAllConnections()
      }),
  }
}
