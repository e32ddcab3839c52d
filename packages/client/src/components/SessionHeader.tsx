import type { Session, SessionStatus } from '@agent-ops/protocol'
import { formatCount, formatUsd } from '../format.ts'
import { StatusBadge } from './StatusBadge.tsx'

export function SessionHeader({ session, status }: { session: Session; status: SessionStatus }) {
  const { usage } = session
  const tokens = usage.inputTokens + usage.outputTokens + usage.reasoningTokens
  return (
    <header className="session-header">
      <h1>{session.title}</h1>
      <dl className="facts">
        <div>
          <dt>Status</dt>
          <dd>
            <StatusBadge status={status} />
          </dd>
        </div>
        <div>
          <dt>Model</dt>
          <dd className="mono">{session.model}</dd>
        </div>
        <div>
          <dt>Tokens</dt>
          <dd title={`${formatCount(usage.inputTokens)} in, ${formatCount(usage.outputTokens)} out`}>
            {formatCount(tokens)}
          </dd>
        </div>
        <div>
          <dt>Cost</dt>
          <dd>{formatUsd(usage.costUsd)}</dd>
        </div>
      </dl>
      {session.statusReason && (status === 'failed' || status === 'stopped') && (
        <p className="hint">{session.statusReason}</p>
      )}
    </header>
  )
}
