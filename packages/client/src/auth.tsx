import type { Me } from '@agent-ops/protocol'
import { createContext, useCallback, useContext, useEffect } from 'react'
import { type Client, errorMessage, isUnauthorized } from './api.ts'

interface Api {
  client: Client
  /** Who is signed in, their organization (null until they join one) and role. */
  me: Me
  /** Back to the sign-in page, optionally saying why; `endSession` also ends the browser session on the server. */
  signOut: (options?: { reason?: string; endSession?: boolean }) => void
  /** Reads `me` again (after joining an organization, say). */
  refreshMe: () => Promise<void>
}

export const ApiContext = createContext<Api | null>(null)

const expired = 'Your sign-in has ended. Sign in again to go on.'

/** The signed-in client and user, and `describeError` that turns failures into messages (and signs out on a 401). */
export function useApi() {
  const api = useContext(ApiContext)
  if (!api) throw new Error('useApi outside <ApiContext>')
  const { signOut } = api
  const describeError = useCallback(
    (error: unknown): string => {
      if (isUnauthorized(error)) signOut({ reason: expired })
      return errorMessage(error)
    },
    [signOut],
  )
  return { ...api, describeError }
}

/** True for org owners and admins: they manage members, invites and read the audit log. */
export function useIsAdmin(): boolean {
  const role = useApi().me.org?.role
  return role === 'owner' || role === 'admin'
}

/** A message for a query's error, for rendering; a 401 signs out (after the render, never during it). */
export function useErrorText(error: unknown): string | null {
  const { signOut } = useApi()
  const unauthorized = error != null && isUnauthorized(error)
  useEffect(() => {
    if (unauthorized) signOut({ reason: expired })
  }, [unauthorized, signOut])
  return error == null ? null : errorMessage(error)
}
