import type { Session, SessionStatus } from '@agent-ops/protocol'
import { isTerminal } from '@agent-ops/protocol/vocabulary'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { errorMessage } from '../api.ts'
import { useApi } from '../auth.tsx'
import { ErrorNotice } from '../components/ErrorNotice.tsx'
import { StatusBadge } from '../components/StatusBadge.tsx'
import { formatCount, formatUsd } from '../format.ts'
import { sessionKey } from '../hooks/useSession.ts'
import { PresenceList } from './PresenceList.tsx'
import { ShareButton } from './ShareButton.tsx'

const visibilityLabels = {
  private: 'private',
  'team-visible': 'team can view',
  'team-joinable': 'team can join',
} as const

interface SessionHeaderProps {
  session: Session
  status: SessionStatus
  /** Totals from the live usage events; the record's own totals may lag behind them. */
  live: { tokens: number; costUsd: number }
}

export function SessionHeader({ session, status, live }: SessionHeaderProps) {
  const { client, me } = useApi()
  const queryClient = useQueryClient()
  const stop = useMutation({ mutationFn: () => client.sessions.stop(session.id) })
  const join = useMutation({
    mutationFn: () => client.sharing.join(session.id),
    onSettled: () => queryClient.invalidateQueries({ queryKey: sessionKey(session.id) }),
  })
  const owner = session.access === 'owner'
  const joinable = session.access === 'viewer' && session.visibility === 'team-joinable'
  const { usage } = session
  const recordTokens = usage.inputTokens + usage.outputTokens + usage.reasoningTokens
  const tokens = Math.max(recordTokens, live.tokens)
  const costUsd = Math.max(usage.costUsd, live.costUsd)
  const reason = session.statusReason && (status === 'failed' || status === 'stopped')
  return (
    <header className="session-header">
      <div className="row nowrap">
        <h1>{session.title}</h1>
        <span className="spacer" />
        {joinable && (
          <button
            type="button"
            className="small primary"
            onClick={() => join.mutate()}
            disabled={join.isPending}
            title="Become a collaborator: send messages and steer the agent"
          >
            {join.isPending ? 'Joining…' : 'Join'}
          </button>
        )}
        {owner && <ShareButton session={session} />}
        {owner && !isTerminal(status) && status !== 'stopping' && (
          <button
            type="button"
            className="small"
            onClick={() => stop.mutate()}
            disabled={stop.isPending}
            title="Stop the session for good and remove its sandbox"
          >
            {stop.isPending ? 'Stopping…' : 'Stop session'}
          </button>
        )}
      </div>
      <div className="row wrap session-people">
        <span className="hint">
          {session.owner
            ? `Owner: ${session.owner.id === me.user.id ? 'you' : session.owner.name}`
            : 'No owner'}{' '}
          · {visibilityLabels[session.visibility]}
          {session.access && session.access !== 'owner' ? ` · you are a ${session.access}` : ''}
        </span>
        <span className="spacer" />
        <PresenceList sessionId={session.id} />
      </div>
      <dl className="facts">
        <div>
          <dt>Status</dt>
          <dd>
            <StatusBadge status={status} live />
          </dd>
        </div>
        <div className="wide-hidden hide-narrow">
          <dt>Model</dt>
          <dd className="mono">{session.model}</dd>
        </div>
        <div className="wide-hidden">
          <dt>Tokens</dt>
          <dd title={`${formatCount(usage.inputTokens)} in, ${formatCount(usage.outputTokens)} out`}>
            {formatCount(tokens)}
          </dd>
        </div>
        <div className="wide-hidden">
          <dt>Cost</dt>
          <dd>{formatUsd(costUsd)}</dd>
        </div>
      </dl>
      {reason && (
        <p className={status === 'failed' ? 'notice notice-error' : 'hint'}>{session.statusReason}</p>
      )}
      <ErrorNotice
        message={stop.error ? errorMessage(stop.error) : join.error ? errorMessage(join.error) : null}
      />
    </header>
  )
}
