import { Link, useNavigate } from '@tanstack/react-router'
import { useEffect, useState } from 'react'
import { errorMessage } from '../api.ts'
import { useApi } from '../auth.tsx'
import { ErrorNotice } from '../components/ErrorNotice.tsx'
import { Spinner } from '../components/Spinner.tsx'
import { once, takeFragmentToken } from './fragment.ts'

/** `/share#token=…`: uses a session's share link, then opens the session. */
export function SharePage() {
  const { client } = useApi()
  const navigate = useNavigate()
  const [token] = useState(() => takeFragmentToken('/share'))
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    if (!token) return
    let current = true
    once(`share:${token}`, () => client.sharing.redeem(token))
      .then(({ sessionId }) => {
        if (current) navigate({ to: '/sessions/$sessionId', params: { sessionId }, replace: true })
      })
      .catch((caught) => current && setError(errorMessage(caught)))
    return () => {
      current = false
    }
  }, [client, token, navigate])

  return (
    <main className="page page-narrow">
      <section className="card stack" aria-labelledby="share-heading">
        <h1 id="share-heading">Shared session</h1>
        {!token ? (
          <ErrorNotice message="This share link is incomplete: open the whole link you were sent." />
        ) : error ? (
          <>
            <ErrorNotice message={error} />
            <p>
              <Link to="/">Go to the sessions</Link>
            </p>
          </>
        ) : (
          <Spinner label="Opening the shared session" withText />
        )}
      </section>
    </main>
  )
}
