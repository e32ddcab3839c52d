import type { AgentStatus, MessageMode, SessionStatus } from '@agent-ops/protocol'

/**
 * Lifecycle decisions as pure functions (STYLE.md habit 7): given a state and what happened, what should happen.
 * The session service performs the effects.
 */

const allowed: Record<SessionStatus, readonly SessionStatus[]> = {
  pending: ['provisioning', 'stopping', 'failed'],
  provisioning: ['starting', 'stopping', 'failed'],
  starting: ['ready', 'stopping', 'failed'],
  ready: ['working', 'hibernating', 'stopping', 'failed'],
  working: ['ready', 'stopping', 'failed'],
  hibernating: ['hibernated', 'stopping', 'failed'],
  hibernated: ['resuming', 'stopping', 'failed'],
  resuming: ['ready', 'stopping', 'failed'],
  stopping: ['stopped', 'failed'],
  stopped: [],
  // A failed session can still be stopped, which cleans up what is left of its sandbox.
  failed: ['stopping'],
}

export function canTransition(from: SessionStatus, to: SessionStatus): boolean {
  return allowed[from].includes(to)
}

/** The session status that follows from the agent's busy/idle report, if it changes. */
export function statusAfterAgentStatus(
  current: SessionStatus,
  agent: AgentStatus,
): SessionStatus | undefined {
  if (agent === 'idle' && current === 'working') return 'ready'
  if ((agent === 'busy' || agent === 'retry') && current === 'ready') return 'working'
  return undefined
}

export type MessageDecision =
  | { action: 'reject'; reason: string }
  | { action: 'enqueue'; abortFirst: boolean; queued: boolean }

/** What to do with a message a person sends, given the session's status. */
export function decideMessage(status: SessionStatus, mode: MessageMode): MessageDecision {
  if (status === 'stopped' || status === 'stopping')
    return { action: 'reject', reason: 'the session is stopped' }
  if (status === 'failed') return { action: 'reject', reason: 'the session has failed; start a new one' }
  const agentBusy = status === 'working'
  const steer = mode === 'steer' && agentBusy
  // Queued = it will not reach the agent right now: behind a turn (follow-up) or before the agent is up.
  const queued = status !== 'ready' && !steer
  return { action: 'enqueue', abortFirst: steer, queued }
}

/** Whether the next queued message may go to the agent now. */
export function canDispatch(status: SessionStatus, runnerConnected: boolean): boolean {
  return status === 'ready' && runnerConnected
}

/** States a watchdog guards, with how long the session may stay in them. */
export function deadlineMs(
  status: SessionStatus,
  limits: { bootTimeoutMs: number; stopTimeoutMs: number },
): number | undefined {
  switch (status) {
    case 'pending':
    case 'provisioning':
    case 'starting':
    case 'resuming':
      return limits.bootTimeoutMs
    case 'stopping':
    case 'hibernating':
      return limits.stopTimeoutMs
    default:
      return undefined
  }
}
