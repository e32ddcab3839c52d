import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../context.ts'
import { errorResponse } from '../errors.ts'

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Cookie-authenticated changes must come from the app's own pages. Browsers send Origin on every cross-site
 * POST/PATCH/DELETE (and Sec-Fetch-Site), so a request without a bearer key whose origin is not the app's is
 * refused. API keys (Authorization header) are not sent automatically by browsers and need no such check.
 */
export function csrfProtection(
  appOrigin: (c: Parameters<MiddlewareHandler<AppEnv>>[0]) => string,
): MiddlewareHandler<AppEnv> {
  return async function refuseCrossSite(c, next) {
    // Only requests a browser could send with the user's cookie need the check; the sign-in endpoints set
    // that cookie, so they are checked even before one exists.
    const carriesCookie = Boolean(c.req.header('cookie')) || c.req.path.startsWith('/api/auth/')
    if (safeMethods.has(c.req.method) || c.req.header('authorization') || !carriesCookie) return next()
    const origin = c.req.header('origin')
    const fetchSite = c.req.header('sec-fetch-site')
    const sameOrigin = origin ? origin === appOrigin(c) : fetchSite === 'same-origin'
    if (!sameOrigin)
      return errorResponse(
        c,
        'forbidden',
        'cross-site request refused: changes with a browser session must come from the Agent Ops app itself',
      )
    return next()
  }
}
