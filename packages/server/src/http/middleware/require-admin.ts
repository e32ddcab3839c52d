import type { MiddlewareHandler } from 'hono'
import { isAdminToken } from '../../auth/admin-token.ts'
import { bearerToken } from '../../auth/tokens.ts'
import type { AppEnv } from '../context.ts'
import { errorResponse } from '../errors.ts'

export type RequireAdminOptions = {
  secretKey: Buffer
  /** The stored hash of the admin token. */
  adminTokenHash: () => string
}

/** Until accounts exist: every API call carries the admin token as `Authorization: Bearer`. */
export function requireAdmin(options: RequireAdminOptions): MiddlewareHandler<AppEnv> {
  return async function requireAdminToken(c, next) {
    const token = bearerToken(c.req.header('authorization'))
    if (!token) {
      return errorResponse(
        c,
        'unauthorized',
        'missing credentials: send "Authorization: Bearer <admin token>"',
      )
    }
    if (!isAdminToken(options.secretKey, options.adminTokenHash(), token)) {
      return errorResponse(c, 'unauthorized', 'invalid token')
    }
    c.set('actor', { id: 'admin', name: 'Admin' })
    await next()
  }
}
