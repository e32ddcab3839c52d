import { useState } from 'react'
import { useApi } from '../auth.tsx'
import { Spinner } from './Spinner.tsx'

/** Signed in, but in no team: only an invite link (or an allowed email domain) lets someone in. */
export function WaitingForInvite() {
  const { me, refreshMe, signOut } = useApi()
  const [checking, setChecking] = useState(false)
  return (
    <main className="page page-narrow">
      <section className="card stack" aria-labelledby="waiting-heading">
        <h1 id="waiting-heading">Waiting for an invite</h1>
        <p>
          You are signed in as <strong>{me.user.email}</strong>, but you are not in a team yet. Ask an admin
          of your Agent Ops team for an invite link and open it in this browser.
        </p>
        <div className="row">
          <button
            type="button"
            className="primary"
            disabled={checking}
            onClick={async () => {
              setChecking(true)
              await refreshMe()
              setChecking(false)
            }}
          >
            Check again
          </button>
          <button type="button" onClick={() => signOut({ endSession: true })}>
            Sign out
          </button>
          {checking && <Spinner label="Checking" withText />}
        </div>
      </section>
    </main>
  )
}
