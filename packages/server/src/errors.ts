import type { ErrorCode } from '@agent-ops/protocol'

/**
 * Domain errors: services throw these and know nothing of HTTP; the error handler at the HTTP boundary maps
 * each `code` to a status (http/error-handler.ts).
 */
export class DomainError extends Error {
  readonly code: ErrorCode
  constructor(code: ErrorCode, message: string) {
    super(message)
    this.name = 'DomainError'
    this.code = code
  }
}

export const notFound = (what: string) => new DomainError('not_found', `${what} not found`)
export const conflict = (message: string) => new DomainError('conflict', message)
export const badRequest = (message: string) => new DomainError('bad_request', message)
export const unavailable = (message: string) => new DomainError('unavailable', message)
export const forbidden = (message: string) => new DomainError('forbidden', message)
