import type { ApiError, ErrorCode } from '@agent-ops/protocol'
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { ZodError } from 'zod'
import { DomainError } from '../errors.ts'
import type { Logger } from '../logger.ts'

const statusByCode: Record<ErrorCode, ContentfulStatusCode> = {
  bad_request: 400,
  invalid_json: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  rate_limited: 429,
  payload_too_large: 413,
  no_provider: 400,
  unknown_model: 400,
  limit_exceeded: 429,
  unavailable: 503,
  internal: 500,
}

export function errorBody(code: ErrorCode, message: string): ApiError {
  return { error: { code, message } }
}

export function errorResponse(c: Context, code: ErrorCode, message: string) {
  return c.json(errorBody(code, message), statusByCode[code])
}

/** A readable one-line summary of validation problems: "prompt: must not be empty; mode: ...". */
export function describeZodError(error: ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.join('.')
      if (issue.code === 'unrecognized_keys')
        return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`
      return path ? `${path}: ${issue.message}` : issue.message
    })
    .join('; ')
}

/** The one place where errors become HTTP responses. Unknown errors are logged and answered without detail. */
export function errorHandler(logger: Logger) {
  return function handleError(error: Error, c: Context) {
    if (error instanceof DomainError) return errorResponse(c, error.code, error.message)
    if (error instanceof ZodError) return errorResponse(c, 'validation_failed', describeZodError(error))
    if (error instanceof HTTPException) {
      const status = error.status
      if (status === 413) return errorResponse(c, 'payload_too_large', 'the request body is too large')
      if (status === 400 && /JSON/i.test(error.message)) {
        return errorResponse(c, 'invalid_json', 'the request body is not valid JSON')
      }
      if (status === 401) return errorResponse(c, 'unauthorized', error.message || 'unauthorized')
      return c.json(errorBody(status >= 500 ? 'internal' : 'bad_request', error.message), status)
    }
    logger.error({ err: error, path: c.req.path, method: c.req.method }, 'unhandled error')
    return errorResponse(c, 'internal', 'internal server error')
  }
}

/** Validation hook for every OpenAPI route: a 400 that says what is wrong, in the shared error shape. */
export function validationHook(result: { success: boolean; error?: unknown }, c: Context) {
  if (!result.success) {
    const error = result.error instanceof ZodError ? result.error : new ZodError([])
    return errorResponse(c, 'validation_failed', describeZodError(error) || 'invalid request')
  }
}
