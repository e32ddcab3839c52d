import type { Session } from '@agent-ops/protocol'
import { isTerminal } from '@agent-ops/protocol/vocabulary'
import { getRouteApi } from '@tanstack/react-router'
import { useMemo } from 'react'
import { useApi, useErrorText } from '../auth.tsx'
import { ErrorNotice } from '../components/ErrorNotice.tsx'
import { Spinner } from '../components/Spinner.tsx'
import { useSessionList } from '../hooks/useSessionList.ts'
import type { DashboardSearch, OwnerFilter, StatusFilter } from '../router.tsx'
import { NewSessionForm } from './NewSessionForm.tsx'
import { SessionFilters } from './SessionFilters.tsx'
import { SessionTable } from './SessionTable.tsx'

const dashboardRoute = getRouteApi('/')

function matchesStatus(session: Session, filter: StatusFilter): boolean {
  if (filter === 'all') return true
  if (filter === 'active') return !isTerminal(session.status)
  if (filter === 'ended') return isTerminal(session.status)
  return session.status === filter
}

/** Mine: sessions the caller owns; team: their teammates' sessions the caller may see. */
function matchesOwner(session: Session, filter: OwnerFilter, userId: string): boolean {
  if (filter === 'all') return true
  const mine = session.owner?.id === userId
  return filter === 'mine' ? mine : !mine
}

/** Newest activity first, then filtered by the address's `status`, `whose` and `q`. */
export function visibleSessions(
  sessions: readonly Session[],
  search: DashboardSearch,
  userId: string,
): Session[] {
  const query = search.q?.trim().toLowerCase() ?? ''
  return sessions
    .filter((session) => matchesStatus(session, search.status ?? 'all'))
    .filter((session) => matchesOwner(session, search.whose ?? 'all', userId))
    .filter((session) => !query || session.title.toLowerCase().includes(query))
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
}

export function SessionsPage() {
  const search = dashboardRoute.useSearch()
  const navigate = dashboardRoute.useNavigate()
  const { me } = useApi()
  const userId = me.user.id
  const { data: sessions, error } = useSessionList()
  const errorText = useErrorText(error)
  const shown = useMemo(
    () => (sessions ? visibleSessions(sessions, search, userId) : null),
    [sessions, search, userId],
  )
  const filtered = Boolean(search.q) || (search.status ?? 'all') !== 'all' || Boolean(search.whose)

  return (
    <main className="page">
      <NewSessionForm />
      <section aria-labelledby="sessions-heading" className="stack">
        <div className="row wrap">
          <h2 id="sessions-heading">Sessions</h2>
          <span className="spacer" />
          <SessionFilters search={search} onChange={(next) => navigate({ search: next, replace: true })} />
        </div>
        <ErrorNotice message={errorText} />
        {!sessions && !errorText && <Spinner label="Loading sessions" withText />}
        {sessions?.length === 0 && <p className="empty">No sessions yet. Start one above.</p>}
        {sessions && sessions.length > 0 && shown?.length === 0 && (
          <p className="empty">No session matches {filtered ? 'these filters' : 'this view'}.</p>
        )}
        {shown && shown.length > 0 && <SessionTable sessions={shown} />}
      </section>
    </main>
  )
}
