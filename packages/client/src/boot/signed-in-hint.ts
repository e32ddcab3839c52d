/**
 * Whether the last page load ended signed in. The session cookie is HttpOnly, so the page cannot see it; this
 * hint lets a returning user's first requests go out before the app has loaded (main.tsx), and keeps a
 * signed-out visitor from sending requests that can only be refused.
 */
const signedInHint = 'agent-ops.signed-in'

export function markSignedIn(signedIn: boolean): void {
  try {
    if (signedIn) localStorage.setItem(signedInHint, '1')
    else localStorage.removeItem(signedInHint)
  } catch {
    // Storage disabled: the hint is only an optimisation.
  }
}

export function hintedSignedIn(): boolean {
  try {
    return localStorage.getItem(signedInHint) === '1'
  } catch {
    return false
  }
}
