import { createContext, useCallback, useContext, useEffect } from 'react'
import { type Client, errorMessage, isUnauthorized } from './api.ts'

interface Api {
  client: Client
  /** Forget the token and show the token form again, optionally saying why. */
  signOut: (reason?: string) => void
}

export const ApiContext = createContext<Api | null>(null)

/** The signed-in client, and `describeError` that turns failures into messages (and signs out on a 401). */
export function useApi() {
  const api = useContext(ApiContext)
  if (!api) throw new Error('useApi outside <ApiContext>')
  const { signOut } = api
  const describeError = useCallback(
    (error: unknown): string => {
      if (isUnauthorized(error)) signOut('The server no longer accepts the stored token. Sign in again.')
      return errorMessage(error)
    },
    [signOut],
  )
  return { client: api.client, signOut, describeError }
}

/** A message for a query's error, for rendering; a 401 signs out (after the render, never during it). */
export function useErrorText(error: unknown): string | null {
  const { signOut } = useApi()
  const unauthorized = error != null && isUnauthorized(error)
  useEffect(() => {
    if (unauthorized) signOut('The server no longer accepts the stored token. Sign in again.')
  }, [unauthorized, signOut])
  return error == null ? null : errorMessage(error)
}
