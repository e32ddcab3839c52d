import { isTerminal, type SessionStatus } from '@agent-ops/protocol'
import { useSession } from '../hooks/useSession.ts'
import { useSessionTimeline } from '../hooks/useSessionTimeline.ts'
import { Composer } from './Composer.tsx'
import { ErrorNotice } from './ErrorNotice.tsx'
import { Link } from './Link.tsx'
import { SessionHeader } from './SessionHeader.tsx'
import { type Activity, Timeline } from './Timeline.tsx'

const bootingStatuses: readonly SessionStatus[] = ['pending', 'provisioning', 'starting', 'resuming']

export function SessionPage({ sessionId }: { sessionId: string }) {
  const { timeline, streamError } = useSessionTimeline(sessionId)
  // Fetch the record again when the status or the usage totals move, for fresh tokens and cost.
  const usageReports = Object.keys(timeline.usage).length
  const { session, error } = useSession(sessionId, `${timeline.status}:${usageReports}`)
  const status = timeline.status ?? session?.status ?? null
  const working = status === 'working'
  const activity: Activity = working
    ? 'working'
    : status && bootingStatuses.includes(status)
      ? 'booting'
      : null

  return (
    <main className="session-page">
      <div className="session-top">
        <Link to="/" className="back-link">
          ← Sessions
        </Link>
        {session && <SessionHeader session={session} status={status ?? session.status} />}
        <ErrorNotice message={error ?? streamError} />
      </div>
      <Timeline timeline={timeline} activity={activity} />
      {timeline.todos.length > 0 && (
        <details className="todos">
          <summary>
            Todos ({timeline.todos.filter((todo) => todo.status === 'completed').length}/
            {timeline.todos.length} done)
          </summary>
          <ul>
            {timeline.todos.map((todo) => (
              <li key={todo.content} className={`todo todo-${todo.status}`}>
                {todo.content}
              </li>
            ))}
          </ul>
        </details>
      )}
      {timeline.queue.length > 0 && (
        <section className="queue" aria-label="Queued messages">
          <h2>Queued ({timeline.queue.length})</h2>
          <ol>
            {timeline.queue.map((queued) => (
              <li key={queued.messageId}>{queued.text}</li>
            ))}
          </ol>
        </section>
      )}
      <Composer sessionId={sessionId} working={working} closed={status !== null && isTerminal(status)} />
    </main>
  )
}
