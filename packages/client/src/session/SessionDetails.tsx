import type { Session } from '@agent-ops/protocol'
import type { Todo } from '@agent-ops/protocol/timeline'
import { formatCount, formatDateTime, formatUsd } from '../format.ts'
import type { FileChanges } from '../timeline/changes.ts'
import { TodoList } from './TodosPanel.tsx'

interface SessionDetailsProps {
  session: Session
  live: { tokens: number; costUsd: number }
  todos: readonly Todo[]
  changes: readonly FileChanges[]
  onShowChanges: () => void
}

/** The side column on wide screens: usage, the todo list and the changed files, always in view. */
export function SessionDetails({ session, live, todos, changes, onShowChanges }: SessionDetailsProps) {
  const { usage } = session
  const tokens = Math.max(usage.inputTokens + usage.outputTokens + usage.reasoningTokens, live.tokens)
  const done = todos.filter((todo) => todo.status === 'completed').length
  return (
    <aside className="session-aside" aria-label="Session details">
      <section aria-labelledby="usage-heading">
        <h2 id="usage-heading">Usage</h2>
        <dl className="aside-facts">
          <dt>Tokens</dt>
          <dd title={`${formatCount(usage.inputTokens)} in, ${formatCount(usage.outputTokens)} out`}>
            {formatCount(tokens)}
          </dd>
          <dt>Cost</dt>
          <dd>{formatUsd(Math.max(usage.costUsd, live.costUsd))}</dd>
          <dt>Model</dt>
          <dd className="mono">{session.model}</dd>
          <dt>Started</dt>
          <dd>{formatDateTime(session.createdAt)}</dd>
        </dl>
      </section>
      <section aria-labelledby="aside-todos-heading">
        <h2 id="aside-todos-heading">Todos{todos.length > 0 ? ` (${done}/${todos.length})` : ''}</h2>
        {todos.length > 0 ? <TodoList todos={todos} /> : <p className="hint">No todo list yet.</p>}
      </section>
      <section aria-labelledby="aside-changes-heading">
        <h2 id="aside-changes-heading">Changed files</h2>
        {changes.length === 0 && <p className="hint">None yet.</p>}
        <ul className="aside-files">
          {changes.map((file) => (
            <li key={file.path}>
              <button type="button" className="link-button mono" onClick={onShowChanges}>
                {file.path}
              </button>{' '}
              <span className="additions">+{file.additions}</span>{' '}
              <span className="deletions">−{file.deletions}</span>
            </li>
          ))}
        </ul>
      </section>
    </aside>
  )
}
