import { useSessionList } from '../hooks/useSessionList.ts'
import { ErrorNotice } from './ErrorNotice.tsx'
import { NewSessionForm } from './NewSessionForm.tsx'
import { SessionTable } from './SessionTable.tsx'
import { Spinner } from './Spinner.tsx'

export function SessionsPage() {
  const { sessions, error } = useSessionList()
  return (
    <main className="page">
      <NewSessionForm />
      <section aria-labelledby="sessions-heading" className="stack">
        <h2 id="sessions-heading">Sessions</h2>
        <ErrorNotice message={error} />
        {sessions === null && !error && <Spinner label="Loading sessions" />}
        {sessions?.length === 0 && <p className="empty">No sessions yet. Start one above.</p>}
        {sessions && sessions.length > 0 && <SessionTable sessions={sessions} />}
      </section>
    </main>
  )
}
