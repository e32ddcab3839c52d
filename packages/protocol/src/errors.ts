import { z } from 'zod'

/** Every error the REST API returns has this shape; `code` is stable, `message` is for people. */
export const ErrorCode = z.enum([
  'bad_request',
  'invalid_json',
  'validation_failed',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'gone',
  'rate_limited',
  'payload_too_large',
  'no_provider',
  'unknown_model',
  'limit_exceeded',
  'unavailable',
  'internal',
])
export type ErrorCode = z.output<typeof ErrorCode>

export const ApiError = z
  .object({
    error: z.object({ code: ErrorCode, message: z.string() }),
  })
  .meta({ id: 'ApiError' })
export type ApiError = z.output<typeof ApiError>
