import type { ErrorCode } from '@agent-ops/protocol'

/** The server answered with an error (`{error:{code,message}}`); `message` is the server's, for people. */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  readonly status: number
  readonly code: ErrorCode

  constructor(status: number, code: ErrorCode, message: string) {
    super(message)
    this.status = status
    this.code = code
  }
}

/** The server could not be reached at all (refused, reset, DNS, TLS): no HTTP answer to report. */
export class ConnectionError extends Error {
  override readonly name = 'ConnectionError'
  readonly url: string

  constructor(url: string, cause: unknown) {
    const reason = cause instanceof Error ? describeCause(cause) : String(cause)
    super(`cannot reach ${url}: ${reason}`, { cause })
    this.url = url
  }
}

/** The server answered 2xx, but with a body the protocol schema rejects (version skew, or a proxy in the way). */
export class InvalidResponseError extends Error {
  override readonly name = 'InvalidResponseError'
  readonly url: string

  constructor(url: string, detail: string) {
    super(`unexpected response from ${url}: ${detail}`)
    this.url = url
  }
}

// undici reports "fetch failed" and keeps the useful part (ECONNREFUSED ...) in `cause`.
function describeCause(error: Error): string {
  const inner = error.cause
  if (inner instanceof Error && inner.message) return inner.message
  return error.message
}

/** Status codes the server maps its errors to, for error bodies that did not come from the server (a proxy). */
export function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return 'bad_request'
    case 401:
      return 'unauthorized'
    case 403:
      return 'forbidden'
    case 404:
      return 'not_found'
    case 409:
      return 'conflict'
    case 413:
      return 'payload_too_large'
    case 429:
      return 'limit_exceeded'
    case 502:
    case 503:
    case 504:
      return 'unavailable'
    default:
      return status < 500 ? 'bad_request' : 'internal'
  }
}
