import { useCallback, useMemo, useState } from 'react'
import { clearToken, loadToken, makeClient, saveToken } from '../api.ts'
import { ApiContext } from '../auth.tsx'
import { matchRoute, usePath } from '../router.ts'
import { Link } from './Link.tsx'
import { SessionPage } from './SessionPage.tsx'
import { SessionsPage } from './SessionsPage.tsx'
import { TokenForm } from './TokenForm.tsx'

export function App() {
  const [token, setToken] = useState(loadToken)
  const [signOutReason, setSignOutReason] = useState<string | null>(null)
  const signOut = useCallback((reason?: string) => {
    clearToken()
    setToken(null)
    setSignOutReason(reason ?? null)
  }, [])
  const api = useMemo(() => (token ? { client: makeClient(token), signOut } : null), [token, signOut])

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
      <div className="shell">
        <header className="topbar">
          <Link to="/" className="brand">
            Agent Ops
          </Link>
          <button type="button" className="link-button" onClick={() => signOut()}>
            Sign out
          </button>
        </header>
        <Routes />
      </div>
    </ApiContext>
  )
}

function Routes() {
  const route = matchRoute(usePath())
  switch (route.page) {
    case 'sessions':
      return <SessionsPage />
    case 'session':
      // Keyed: a different session starts from an empty timeline and a new event stream.
      return <SessionPage key={route.sessionId} sessionId={route.sessionId} />
    default:
      return (
        <main className="page">
          <h1>Page not found</h1>
          <p>
            <Link to="/">Back to sessions</Link>
          </p>
        </main>
      )
  }
}
