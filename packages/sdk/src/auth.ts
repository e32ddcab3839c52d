import { ApiError } from './errors.ts'

export type PasswordCredentials = { email: string; password: string; name?: string }

/**
 * Password sign-up / sign-in outside a browser (scripts, tests, the CLI's `login --email`): returns the session
 * cookie to pass as `createClient({ cookie })`. Browsers use the same endpoints and keep the cookie themselves.
 */
export async function signInWithPassword(
  baseUrl: string,
  credentials: PasswordCredentials,
  opts: { signUp?: boolean; fetch?: typeof fetch } = {},
): Promise<{ cookie: string; userId: string }> {
  const base = baseUrl.replace(/\/+$/, '')
  const path = opts.signUp ? '/api/auth/sign-up/email' : '/api/auth/sign-in/email'
  const body = opts.signUp
    ? {
        email: credentials.email,
        password: credentials.password,
        name: credentials.name ?? credentials.email,
      }
    : { email: credentials.email, password: credentials.password }
  const response = await (opts.fetch ?? fetch)(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: new URL(base).origin },
    body: JSON.stringify(body),
  })
  const text = await response.text()
  if (!response.ok) {
    let message = text
    try {
      const parsed = JSON.parse(text) as { message?: string; error?: { message?: string } }
      message = parsed.error?.message ?? parsed.message ?? text
    } catch {}
    const code =
      response.status === 429 ? 'rate_limited' : response.status === 401 ? 'unauthorized' : 'bad_request'
    throw new ApiError(response.status, code, message || `sign-in failed (HTTP ${response.status})`)
  }
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .filter((c) => c?.includes('session_token'))
    .join('; ')
  const userId = (JSON.parse(text) as { user?: { id?: string } }).user?.id ?? ''
  return { cookie, userId }
}
