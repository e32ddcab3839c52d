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

export function StatusBadge({ status }: { status: SessionStatus }) {
  return <span className={`badge badge-${tones[status]}`}>{status}</span>
}
