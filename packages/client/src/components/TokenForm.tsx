import { type FormEvent, useState } from 'react'
import { errorMessage, isUnauthorized, makeClient } from '../api.ts'
import { ErrorNotice } from './ErrorNotice.tsx'
import { Spinner } from './Spinner.tsx'

export function TokenForm({
  notice,
  onSignedIn,
}: {
  notice: string | null
  onSignedIn: (token: string) => void
}) {
  const [token, setToken] = useState('')
  const [checking, setChecking] = useState(false)
  const [error, setError] = useState<string | null>(null)

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const candidate = token.trim()
    if (!candidate) return
    setChecking(true)
    setError(null)
    try {
      // Any authenticated call proves the token before it is stored.
      await makeClient(candidate).sessions.list()
      onSignedIn(candidate)
    } catch (caught) {
      setError(isUnauthorized(caught) ? 'The server does not accept this token.' : errorMessage(caught))
      setChecking(false)
    }
  }

  return (
    <main className="page page-narrow">
      <h1>Agent Ops</h1>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <form className="card stack" onSubmit={submit}>
        <label htmlFor="token">Access token</label>
        <p className="hint" id="token-hint">
          Paste the admin token printed by the server's first start, or an API key.
        </p>
        <input
          id="token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          aria-describedby="token-hint"
          value={token}
          onChange={(event) => setToken(event.target.value)}
          required
        />
        <ErrorNotice message={error} />
        <div className="row">
          <button type="submit" className="primary" disabled={checking || !token.trim()}>
            Sign in
          </button>
          {checking && <Spinner label="Checking the token" />}
        </div>
      </form>
    </main>
  )
}
