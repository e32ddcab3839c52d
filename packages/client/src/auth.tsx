import { createContext, useCallback, useContext } from 'react'
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
