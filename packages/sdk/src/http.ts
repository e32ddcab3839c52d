import type * as Protocol from '@agent-ops/protocol'
import type { ErrorCode } from '@agent-ops/protocol'
import { ApiError, ConnectionError, codeForStatus, InvalidResponseError } from './errors.ts'

export interface TransportOptions {
  /** e.g. `http://127.0.0.1:8787`; an empty string means "same origin" in a browser. */
  baseUrl: string
  token?: string | undefined
  /** Outside a browser: a session cookie from `signInWithPassword` (browsers send theirs themselves). */
  cookie?: string | undefined
  fetch?: typeof fetch | undefined
  /**
   * Whether answers are checked against the protocol's schemas (default: yes). The web app, served by the same
   * server build it talks to, turns it off: the schemas (and zod) then never load in the browser, where building
   * them cost more than anything else in starting the app.
   */
  validate?: boolean | undefined
}

/** The protocol's schemas, loaded on first use: with validation off they never are. */
export type Schemas = typeof Protocol
let schemas: Promise<Schemas> | undefined
const loadSchemas = () => {
  schemas ??= import('@agent-ops/protocol')
  return schemas
}

export interface RequestOptions {
  body?: unknown
  headers?: Record<string, string>
  signal?: AbortSignal | undefined
}

/** One place that turns HTTP into typed results or the SDK's errors. */
export class Transport {
  readonly baseUrl: string
  readonly #token: string | undefined
  readonly #cookie: string | undefined
  readonly #fetch: typeof fetch
  readonly #validate: boolean

  constructor(options: TransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '')
    this.#token = options.token
    this.#cookie = options.cookie
    // Bound so browsers do not throw "Illegal invocation" when fetch is called off `window`.
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis)
    this.#validate = options.validate ?? true
  }

  url(path: string): string {
    return this.baseUrl + path
  }

  /** Sends a request; resolves with the response when it is 2xx, throws ApiError / ConnectionError otherwise. */
  async send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const url = this.url(path)
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers }
    if (this.#token) headers.authorization = `Bearer ${this.#token}`
    // A cookie-authenticated change must name its origin, as a browser would (the server's CSRF check).
    if (this.#cookie) {
      headers.cookie = this.#cookie
      headers.origin = new URL(this.baseUrl).origin
    }
    let body: string | undefined
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(options.body)
    }
    let response: Response
    try {
      response = await this.#fetch(url, { method, headers, body, signal: options.signal })
    } catch (error) {
      if (options.signal?.aborted) throw error
      throw new ConnectionError(url, error)
    }
    if (!response.ok) throw await toApiError(response)
    return response
  }

  /** Sends a request and validates the JSON answer with the protocol schema `schema` picks. */
  async json<T>(
    method: string,
    path: string,
    schema: (schemas: Schemas) => Schema<T>,
    options: RequestOptions = {},
  ): Promise<T> {
    const response = await this.send(method, path, options)
    const url = this.url(path)
    let data: unknown
    try {
      data = await response.json()
    } catch {
      throw new InvalidResponseError(url, 'the body is not JSON')
    }
    if (!this.#validate) return data as T
    const parsed = schema(await loadSchemas()).safeParse(data)
    if (!parsed.success) throw new InvalidResponseError(url, summarizeIssues(parsed.error))
    return parsed.data
  }
}

async function toApiError(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '')
  try {
    const body = errorBody(JSON.parse(text))
    if (body) return new ApiError(response.status, body.code, body.message)
  } catch {
    // Not JSON: an error page from something between us and the server.
  }
  const reason = response.statusText || `HTTP ${response.status}`
  return new ApiError(
    response.status,
    codeForStatus(response.status),
    `${reason} (${response.url || 'server'})`,
  )
}

/** The server's error body, `{"error":{"code","message"}}`, checked by hand: an error must read without zod. */
function errorBody(data: unknown): { code: ErrorCode; message: string } | undefined {
  const error = (data as { error?: unknown } | null)?.error as
    | { code?: unknown; message?: unknown }
    | undefined
  if (typeof error?.code !== 'string' || typeof error.message !== 'string') return undefined
  return { code: error.code as ErrorCode, message: error.message }
}

/** The part of a zod schema the SDK uses; keeps zod itself a dependency of the protocol package only. */
export interface Schema<T> {
  safeParse(
    data: unknown,
  ): { success: true; data: T } | { success: false; error: { issues: readonly Issue[] } }
}
interface Issue {
  path: readonly PropertyKey[]
  message: string
}

export function summarizeIssues(error: { issues: readonly Issue[] }): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
    .join('; ')
}
