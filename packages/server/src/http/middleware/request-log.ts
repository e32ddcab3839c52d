import { randomUUID } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import type { Logger } from '../../logger.ts'
import type { AppEnv } from '../context.ts'

/** One structured log line per request: method, path (never the query, which could carry a secret), status, time. */
export function requestLog(logger: Logger): MiddlewareHandler<AppEnv> {
  return async function logRequest(c, next) {
    const started = performance.now()
    const requestId = randomUUID()
    c.set('requestId', requestId)
    await next()
    const durationMs = Math.round((performance.now() - started) * 10) / 10
    logger.info(
      { requestId, method: c.req.method, path: c.req.path, status: c.res.status, durationMs },
      'request',
    )
  }
}
