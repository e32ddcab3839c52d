import type { Session } from '@agent-ops/protocol'
import { isTerminal } from '@agent-ops/protocol/vocabulary'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { Link } from '@tanstack/react-router'
import { errorMessage } from '../api.ts'
import { useApi } from '../auth.tsx'
import { StatusBadge } from '../components/StatusBadge.tsx'
import { formatAge, formatDateTime, formatUsd } from '../format.ts'
import { sessionListKey } from '../hooks/useSessionList.ts'

export function SessionTable({ sessions }: { sessions: Session[] }) {
  return (
    <div className="table-scroll">
      <table className="sessions">
        <thead>
          <tr>
            <th scope="col">Title</th>
            <th scope="col">Status</th>
            <th scope="col" className="hide-narrow">
              Owner
            </th>
            <th scope="col" className="hide-narrow">
              Model
            </th>
            <th scope="col" className="numeric hide-narrow">
              Cost
            </th>
            <th scope="col">Last activity</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sessions.map((session) => (
            <SessionRow key={session.id} session={session} />
          ))}
        </tbody>
      </table>
    </div>
  )
}

function SessionRow({ session }: { session: Session }) {
  const { client, me } = useApi()
  const queryClient = useQueryClient()
  const refresh = () => queryClient.invalidateQueries({ queryKey: sessionListKey })
  const stop = useMutation({ mutationFn: () => client.sessions.stop(session.id), onSettled: refresh })
  const resume = useMutation({ mutationFn: () => client.sessions.resume(session.id), onSettled: refresh })
  const canWrite = session.access === 'owner' || session.access === 'collaborator'
  return (
    <tr>
      <td className="title-cell">
        <Link to="/sessions/$sessionId" params={{ sessionId: session.id }}>
          {session.title}
        </Link>
        {session.queuedMessages > 0 && <span className="tag">{session.queuedMessages} queued</span>}
        {session.status === 'failed' && session.statusReason && (
          <span className="hint block">{session.statusReason}</span>
        )}
      </td>
      <td>
        <StatusBadge status={session.status} />
      </td>
      <td className="hide-narrow">
        {session.owner ? (session.owner.id === me.user.id ? 'You' : session.owner.name) : '—'}
        {session.visibility !== 'private' && session.owner?.id === me.user.id && (
          <span className="tag">
            {session.visibility === 'team-joinable' ? 'team can join' : 'team can view'}
          </span>
        )}
      </td>
      <td className="mono hide-narrow">{session.model}</td>
      <td className="numeric hide-narrow">{formatUsd(session.usage.costUsd)}</td>
      <td>
        <time dateTime={session.updatedAt} title={formatDateTime(session.updatedAt)}>
          {formatAge(session.updatedAt)}
        </time>
      </td>
      <td className="actions">
        {canWrite && session.status === 'hibernated' && (
          <button
            type="button"
            className="small"
            disabled={resume.isPending}
            onClick={() => resume.mutate()}
            aria-label={`Resume ${session.title}`}
          >
            {resume.isPending ? 'Resuming…' : 'Resume'}
          </button>
        )}
        {session.access === 'owner' && !isTerminal(session.status) && session.status !== 'stopping' && (
          <button
            type="button"
            className="small"
            disabled={stop.isPending}
            onClick={() => stop.mutate()}
            aria-label={`Stop ${session.title}`}
          >
            {stop.isPending ? 'Stopping…' : 'Stop'}
          </button>
        )}
        {(stop.error ?? resume.error) && (
          <span className="notice-error-text" role="alert">
            {errorMessage(stop.error ?? resume.error)}
          </span>
        )}
      </td>
    </tr>
  )
}
