import type { MiddlewareHandler } from 'hono'
import { matchedRoutes } from 'hono/route'
import type { Principal } from '../../auth/principal.ts'
import { isOrgAdmin } from '../../auth/principal.ts'
import { roleAtLeast, type SessionAccess, type SessionAccessRow } from '../../auth/session-access.ts'
import type { AppEnv } from '../context.ts'
import { errorResponse } from '../errors.ts'
import { type Policy, policies, scopeAllows } from '../policies.ts'

export type AccessControlDeps = {
  /** The caller from an API key or a browser session; `invalid` when credentials were sent but are not valid. */
  authenticate(c: Parameters<MiddlewareHandler<AppEnv>>[0]): Promise<Principal | 'invalid' | undefined>
  loadSession(id: string): Promise<SessionAccessRow | undefined>
  access: SessionAccess
}

/**
 * The API route that will answer: the first /api handler that is not middleware or a catch-all (method ALL).
 * The web client's `GET /*` also matches unknown /api paths; those are unknown routes, not the client.
 */
export function answeringRoute(c: Parameters<MiddlewareHandler<AppEnv>>[0]) {
  return matchedRoutes(c).find((r) => r.method !== 'ALL' && r.path.startsWith('/api/'))
}

/** The value of `:name` in a request path, given the route pattern that matched it. */
function pathParam(pattern: string, path: string, name: string): string | undefined {
  const index = pattern.split('/').indexOf(`:${name}`)
  if (index < 0) return undefined
  const value = path.split('/')[index]
  return value === undefined ? undefined : decodeURIComponent(value)
}

const denied = {
  scope: (needed: string) =>
    `this API key lacks the "${needed}" scope (create a key with that scope on the API keys page)`,
  noOrg: 'you are not a member of an organization yet: ask an admin for an invite',
  notAdmin: 'only organization owners and admins may do this',
  sessionRole: (role: string, needed: string) =>
    `your role on this session is ${role}; this needs ${needed === 'owner' ? 'the owner' : `a ${needed}`}`,
}

/**
 * Authentication and authorization for every /api route, from the policy table. Sessions the caller may not
 * see answer 404, exactly like sessions that do not exist.
 */
export function accessControl(deps: AccessControlDeps): MiddlewareHandler<AppEnv> {
  return async function checkAccess(c, next) {
    const route = answeringRoute(c)
    const policy: Policy | undefined = route ? policies[`${route.method} ${route.path}`] : undefined
    if (route && !policy)
      return errorResponse(c, 'internal', `no access policy for ${route.method} ${route.path}`)
    if (policy?.public) return next()

    const principal = await deps.authenticate(c)
    if (principal === 'invalid')
      return errorResponse(c, 'unauthorized', 'invalid, expired or revoked credentials')
    if (!principal)
      return errorResponse(c, 'unauthorized', 'sign in, or send an API key as "Authorization: Bearer <key>"')
    c.set('principal', principal)
    c.set('actor', { id: principal.user.id, name: principal.user.name })
    // Unknown routes: the caller is known; the 404 handler answers.
    if (!route || !policy) return next()

    if (!scopeAllows(principal.scopes, policy.scope))
      return errorResponse(c, 'forbidden', denied.scope(policy.scope))
    if (policy.org !== 'none' && !principal.membership) return errorResponse(c, 'forbidden', denied.noOrg)
    if (policy.org === 'admin' && !isOrgAdmin(principal))
      return errorResponse(c, 'forbidden', denied.notAdmin)
    if (policy.session) {
      const id = pathParam(route.path, c.req.path, 'id') ?? ''
      const session = await deps.loadSession(id)
      const role = session ? await deps.access.roleOf(principal, session) : undefined
      if (!session || !role) return errorResponse(c, 'not_found', `session ${id} not found`)
      // A read-only key acts as a viewer whatever its user's role.
      const effective = scopeAllows(principal.scopes, 'write') ? role : 'viewer'
      if (!roleAtLeast(effective, policy.session))
        return errorResponse(c, 'forbidden', denied.sessionRole(effective, policy.session))
      c.set('session', session)
      c.set('sessionRole', effective)
    }
    return next()
  }
}
