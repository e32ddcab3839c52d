import type { ApiKeys } from './api-keys.ts'
import type { Auth } from './better-auth.ts'
import type { Orgs } from './orgs.ts'
import { allScopes, type Principal } from './principal.ts'
import { bearerToken } from './tokens.ts'

/**
 * Resolves the caller of a request: an `Authorization: Bearer` API key, else better-auth's session cookie.
 * A deactivated user is refused on the very next request, whichever credential they hold.
 */
export function authenticator(deps: { auth: Auth; keys: ApiKeys; orgs: Orgs }) {
  return async function authenticate(request: Request): Promise<Principal | 'invalid' | undefined> {
    const header = request.headers.get('authorization')
    if (header) {
      const token = bearerToken(header)
      const key = token ? await deps.keys.verify(token) : undefined
      if (!key) return 'invalid'
      const user = await deps.orgs.user(key.userId)
      if (!user?.active) return 'invalid'
      return {
        user: { id: user.id, name: user.name, email: user.email },
        via: 'api_key',
        scopes: key.scopes,
        keyId: key.keyId,
        membership: await deps.orgs.membership(user.id),
      }
    }
    if (!request.headers.get('cookie')) return undefined
    const session = await deps.auth.api.getSession({ headers: request.headers })
    if (!session) return undefined
    const user = await deps.orgs.user(session.user.id)
    if (!user?.active) return undefined
    return {
      user: { id: user.id, name: user.name, email: user.email },
      via: 'cookie',
      scopes: allScopes,
      membership: await deps.orgs.membership(user.id),
    }
  }
}
