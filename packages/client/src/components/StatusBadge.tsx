import type { SessionStatus } from '@agent-ops/protocol'

type Tone = 'busy' | 'ok' | 'pending' | 'idle' | 'bad'

const tones: Record<SessionStatus, Tone> = {
  pending: 'pending',
  provisioning: 'pending',
  starting: 'pending',
  resuming: 'pending',
  ready: 'ok',
  working: 'busy',
  hibernating: 'idle',
  hibernated: 'idle',
  stopping: 'idle',
  stopped: 'idle',
  failed: 'bad',
}

/** The status in words and colour; `live` makes it a live region that announces changes (one per page). */
export function StatusBadge({ status, live = false }: { status: SessionStatus; live?: boolean }) {
  const className = `badge badge-${tones[status]}`
  if (live) {
    return (
      <span className={className} role="status" aria-label={`Status: ${status}`}>
        {status}
      </span>
    )
  }
  return (
    <span className={className} role="img" aria-label={`Status: ${status}`}>
      {status}
    </span>
  )
}
