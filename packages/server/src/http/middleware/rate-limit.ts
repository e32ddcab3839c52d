import type { MiddlewareHandler } from 'hono'
import type { RateLimiter, RateLimitRule } from '../../auth/rate-limit.ts'
import type { AppEnv } from '../context.ts'
import { errorResponse } from '../errors.ts'

type Ctx = Parameters<MiddlewareHandler<AppEnv>>[0]

/** Limits a route by one or more keys (client address, account...); every key must be under its limit. */
export function rateLimit(
  limiter: RateLimiter,
  name: string,
  rule: RateLimitRule,
  keys: (c: Ctx) => Promise<string[]> | string[],
): MiddlewareHandler<AppEnv> {
  return async function limitRate(c, next) {
    for (const key of await keys(c)) {
      const result = await limiter.hit(`${name}:${key}`, rule)
      if (!result.allowed) {
        c.header('Retry-After', String(result.retryAfterSeconds))
        return errorResponse(
          c,
          'rate_limited',
          `too many attempts: try again in ${result.retryAfterSeconds} s`,
        )
      }
    }
    return next()
  }
}
