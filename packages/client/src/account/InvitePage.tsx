import { Link } from '@tanstack/react-router'
import { useEffect, useState } from 'react'
import { errorMessage } from '../api.ts'
import { useApi } from '../auth.tsx'
import { ErrorNotice } from '../components/ErrorNotice.tsx'
import { Spinner } from '../components/Spinner.tsx'
import { once, takeFragmentToken } from './fragment.ts'

type Outcome = { joined: string } | { error: string } | null

/** `/invite#token=…`: joins the team the invite is for (the App has signed the person in first). */
export function InvitePage() {
  const { client, me, refreshMe } = useApi()
  const [token] = useState(() => takeFragmentToken('/invite'))
  const [outcome, setOutcome] = useState<Outcome>(null)
  // Decided when the page opens: joining (below) makes `me.org` non-null too.
  const [alreadyMember] = useState(() => me.org !== null)

  useEffect(() => {
    if (!token || alreadyMember) return
    let current = true
    once(`invite:${token}`, () => client.org.acceptInvite(token))
      .then(async (org) => {
        await refreshMe()
        if (current) setOutcome({ joined: org.name })
      })
      .catch((caught) => current && setOutcome({ error: errorMessage(caught) }))
    return () => {
      current = false
    }
  }, [client, token, alreadyMember, refreshMe])

  return (
    <main className="page page-narrow">
      <section className="card stack" aria-labelledby="invite-heading">
        <h1 id="invite-heading">Team invite</h1>
        {outcome && 'joined' in outcome ? (
          <>
            <p role="status">
              You joined <strong>{outcome.joined}</strong>.
            </p>
            <p>
              <Link to="/">Go to the sessions</Link>
            </p>
          </>
        ) : alreadyMember && me.org ? (
          <>
            <p>
              You are already a member of <strong>{me.org.name}</strong>; an account belongs to one team, so
              this invite was not used.
            </p>
            <p>
              <Link to="/">Go to the sessions</Link>
            </p>
          </>
        ) : !token ? (
          <ErrorNotice message="This invite link is incomplete: open the whole link you were sent." />
        ) : outcome && 'error' in outcome ? (
          <ErrorNotice message={outcome.error} />
        ) : (
          <Spinner label="Joining the team" withText />
        )}
      </section>
    </main>
  )
}
