import { ApiError, ConnectionError } from '@agent-ops/sdk'

/**
 * Sign-in goes through better-auth's endpoints under /api/auth. The browser keeps the HttpOnly cookie they set;
 * their errors come as `{message, code}`, ours as `{error: {code, message}}`: both become an ApiError.
 */
async function postAuth(path: string, body: unknown): Promise<unknown> {
  let response: Response
  try {
    response = await fetch(`/api/auth${path}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    })
  } catch (cause) {
    throw new ConnectionError(`/api/auth${path}`, cause)
  }
  const text = await response.text()
  let parsed: unknown = null
  try {
    parsed = text ? JSON.parse(text) : null
  } catch {
    // Not JSON: described by the status below.
  }
  if (!response.ok) {
    const data = (parsed ?? {}) as { message?: string; error?: { message?: string } }
    const message = data.error?.message ?? data.message ?? `Sign-in failed (HTTP ${response.status})`
    const code =
      response.status === 429 ? 'rate_limited' : response.status === 401 ? 'unauthorized' : 'bad_request'
    throw new ApiError(response.status, code, message)
  }
  return parsed
}

/**
 * Whether the browser holds a live sign-in, asked without a 401 (which the browser would log as an error):
 * better-auth's session read answers `null` when there is none.
 */
export async function hasBrowserSession(): Promise<boolean> {
  const response = await fetch('/api/auth/get-session', {
    credentials: 'same-origin',
    headers: { accept: 'application/json' },
  })
  if (!response.ok) return true // Let the API's own answer decide.
  return (await response.json().catch(() => null)) !== null
}

export function signInWithPassword(email: string, password: string): Promise<unknown> {
  return postAuth('/sign-in/email', { email, password })
}

export function signUpWithPassword(name: string, email: string, password: string): Promise<unknown> {
  return postAuth('/sign-up/email', { name, email, password })
}

export type OAuthProvider = 'github' | 'google'

/** Where to come back to after an OAuth round trip (the page's path and fragment, e.g. an invite link). */
const returnKey = 'agent-ops.return-to'

/**
 * Starts an OAuth sign-in: better-auth answers with the provider's authorization URL, which the whole window
 * opens. The current path (and an invite's fragment) waits in sessionStorage, never in a URL the server sees.
 */
export async function startOAuthSignIn(provider: OAuthProvider): Promise<void> {
  const answer = (await postAuth('/sign-in/social', {
    provider,
    callbackURL: '/',
    errorCallbackURL: '/',
  })) as { url?: string }
  if (!answer?.url) throw new ApiError(500, 'internal', 'The server did not say where to sign in.')
  const { pathname, hash } = window.location
  if (pathname !== '/' || hash) sessionStorage.setItem(returnKey, pathname + hash)
  window.location.assign(answer.url)
}

/**
 * After an OAuth round trip (which lands on `/`): the page the sign-in started on, with the provider's `?error=`
 * if any; null when there is none to go back to.
 */
export function takeReturnPath(): string | null {
  const back = sessionStorage.getItem(returnKey)
  if (!back) return null
  sessionStorage.removeItem(returnKey)
  const { pathname, hash, search } = window.location
  if (pathname !== '/' || hash || !back.startsWith('/') || back.startsWith('//')) return null
  const hashAt = back.indexOf('#')
  const path = hashAt === -1 ? back : back.slice(0, hashAt)
  const fragment = hashAt === -1 ? '' : back.slice(hashAt)
  return path + search + fragment
}

/** The `?error=` better-auth adds when an OAuth sign-in fails, in words; removed from the address once read. */
export function takeOAuthError(): string | null {
  const url = new URL(window.location.href)
  const error = url.searchParams.get('error')
  if (!error) return null
  url.searchParams.delete('error')
  url.searchParams.delete('error_description')
  window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash)
  if (error === 'access_denied') return 'Sign-in was cancelled at the provider.'
  return `Sign-in with the provider failed (${error.replaceAll('_', ' ')}).`
}
