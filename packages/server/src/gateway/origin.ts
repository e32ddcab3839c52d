import type { IncomingMessage } from 'node:http'

/**
 * Sandbox origins: every session's panels live on an origin of their own, `<scheme>://<label>.<base host>[:port]`,
 * so code running there (the agent's web app on a forwarded port, VS Code extensions) can never read the app's
 * cookies or call its API with them. The label is the session id with `_` replaced by `-` (host names have no `_`).
 */
export class SandboxOrigins {
  readonly scheme: 'http' | 'https'
  readonly baseHost: string
  /** `:port`, or empty for the scheme's default port. */
  readonly #portSuffix: string
  readonly #trustProxy: boolean

  constructor(baseUrl: string, opts: { trustProxy: boolean; appUrl: string }) {
    const url = new URL(baseUrl)
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Error(`AGENT_OPS_SANDBOX_BASE_URL (${baseUrl}) must be an http or https URL`)
    if (url.pathname !== '/' || url.search || url.hash || url.username)
      throw new Error(
        `AGENT_OPS_SANDBOX_BASE_URL (${baseUrl}) must be a bare origin such as http://sandbox.localhost:8787: sessions get <session>.<host> under it`,
      )
    const appHost = new URL(opts.appUrl).hostname.toLowerCase()
    this.scheme = url.protocol === 'https:' ? 'https' : 'http'
    this.baseHost = url.hostname.toLowerCase()
    if (this.baseHost === appHost || appHost.endsWith(`.${this.baseHost}`))
      throw new Error(
        `AGENT_OPS_SANDBOX_BASE_URL (${baseUrl}) must not contain the app's host (${appHost}): the app's cookies would reach sandbox origins`,
      )
    this.#portSuffix = url.port ? `:${url.port}` : ''
    this.#trustProxy = opts.trustProxy
  }

  /** `http://ses-0abc.sandbox.localhost:8787` for session `ses_0abc`. */
  origin(sessionId: string): string {
    return `${this.scheme}://${labelOf(sessionId)}.${this.baseHost}${this.#portSuffix}`
  }

  /** The session id a request's host names, or undefined when the request is not for a sandbox origin. */
  sessionOf(request: IncomingMessage): string | undefined {
    const forwarded = this.#trustProxy ? headerValue(request, 'x-forwarded-host') : undefined
    const host = (forwarded?.split(',')[0]?.trim() || headerValue(request, 'host') || '').toLowerCase()
    const hostname = host.replace(/:\d+$/, '')
    if (!hostname.endsWith(`.${this.baseHost}`)) return undefined
    const label = hostname.slice(0, -(this.baseHost.length + 1))
    return /^[a-z]+-[0-9a-z]+$/.test(label) ? label.replace('-', '_') : ''
  }

  /** Cookies are `Secure` (and may be `SameSite=None`) on https origins and on `*.localhost`, a secure context. */
  get secureContext(): boolean {
    return this.scheme === 'https' || this.baseHost === 'localhost' || this.baseHost.endsWith('.localhost')
  }
}

export const labelOf = (sessionId: string) => sessionId.replaceAll('_', '-')

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name]
  return Array.isArray(value) ? value[0] : value
}
