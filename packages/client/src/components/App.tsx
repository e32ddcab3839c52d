import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { RouterProvider } from '@tanstack/react-router'
import { useCallback, useMemo, useState } from 'react'
import { clearToken, isUnauthorized, loadToken, makeClient, saveToken } from '../api.ts'
import { ApiContext } from '../auth.tsx'
import { router } from '../router.tsx'
import { TokenForm } from './TokenForm.tsx'

function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      // A rejected token will not start working on a retry.
      queries: { retry: (failures, error) => !isUnauthorized(error) && failures < 2 },
    },
  })
}

export function App() {
  const [token, setToken] = useState(loadToken)
  const [signOutReason, setSignOutReason] = useState<string | null>(null)
  const signOut = useCallback((reason?: string) => {
    clearToken()
    setToken(null)
    setSignOutReason(reason ?? null)
  }, [])
  // A new cache per token: nothing fetched for one identity is shown to the next.
  const api = useMemo(
    () => (token ? { client: makeClient(token), signOut, queryClient: makeQueryClient() } : null),
    [token, signOut],
  )

  if (!api) {
    return (
      <TokenForm
        notice={signOutReason}
        onSignedIn={(newToken) => {
          saveToken(newToken)
          setSignOutReason(null)
          setToken(newToken)
        }}
      />
    )
  }
  return (
    <ApiContext value={api}>
      <QueryClientProvider client={api.queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </ApiContext>
  )
}
