import type { Session } from '@agent-ops/protocol'
import { formatAge, formatDateTime } from '../format.ts'
import { sessionPath } from '../router.ts'
import { Link } from './Link.tsx'
import { StatusBadge } from './StatusBadge.tsx'

export function SessionTable({ sessions }: { sessions: Session[] }) {
  return (
    <table className="sessions">
      <thead>
        <tr>
          <th scope="col">Title</th>
          <th scope="col">Status</th>
          <th scope="col">Model</th>
          <th scope="col">Updated</th>
        </tr>
      </thead>
      <tbody>
        {sessions.map((session) => (
          <tr key={session.id}>
            <td className="title-cell">
              <Link to={sessionPath(session.id)}>{session.title}</Link>
            </td>
            <td>
              <StatusBadge status={session.status} />
            </td>
            <td className="mono">{session.model}</td>
            <td>
              <time dateTime={session.updatedAt} title={formatDateTime(session.updatedAt)}>
                {formatAge(session.updatedAt)}
              </time>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
