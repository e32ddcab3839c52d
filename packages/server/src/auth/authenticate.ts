import type { ApiKeys } from './api-keys.ts'
import type { Auth } from './better-auth.ts'
import type { Orgs } from './orgs.ts'
import { allScopes, type Principal } from './principal.ts'
import { bearerToken } from './tokens.ts'

/**
 * Resolves the caller of a request: an `Authorization: Bearer` API key, else better-auth's session cookie.
 * A deactivated user is refused on the very next request, whichever credential they hold.
 *
 * better-auth extends a sign-in that is in use (once a day, `session.updateAge`) and sends its cookie again with
 * the new expiry: `renewCookies` receives those Set-Cookie values for the response. Dropped, the browser's cookie
 * would still expire a week after the first sign-in, however often it was used.
 */
export function authenticator(deps: { auth: Auth; keys: ApiKeys; orgs: Orgs }) {
  return async function authenticate(
    request: Request,
    renewCookies?: (setCookie: string[]) => void,
  ): Promise<Principal | 'invalid' | undefined> {
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
    const { headers, response: session } = await deps.auth.api.getSession({
      headers: request.headers,
      returnHeaders: true,
    })
    if (!session) return undefined
    const user = await deps.orgs.user(session.user.id)
    if (!user?.active) return undefined
    const renewed = headers.getSetCookie()
    if (renewed.length > 0) renewCookies?.(renewed)
    return {
      user: { id: user.id, name: user.name, email: user.email },
      via: 'cookie',
      scopes: allScopes,
      membership: await deps.orgs.membership(user.id),
    }
  }
}
