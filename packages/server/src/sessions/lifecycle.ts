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

/** A message to a hibernated (or hibernating) session wakes it: the message then waits in the queue. */
export function needsResume(status: SessionStatus): boolean {
  return status === 'hibernated' || status === 'hibernating'
}

/** Whether an idle timer that fired should hibernate the session now. */
export function shouldHibernate(
  status: SessionStatus,
  queuedMessages: number,
  idleTimeoutMs: number,
): boolean {
  return idleTimeoutMs > 0 && status === 'ready' && queuedMessages === 0
}

/**
 * What becomes of a session found after a restart, given whether its sandbox still runs and whether its files
 * survived: re-adopt (wait for the runner), finish what it was doing, or settle it.
 */
export type RecoveryDecision =
  | { action: 'readopt' }
  | { action: 'teardown-then'; to: 'stopped' }
  | { action: 'hibernate' }
  | { action: 'fail'; reason: string }
  | { action: 'none' }

export function decideRecovery(
  status: SessionStatus,
  sandbox: 'running' | 'stopped' | 'missing',
): RecoveryDecision {
  if (status === 'stopping') return { action: 'teardown-then', to: 'stopped' }
  if (status === 'hibernating') return { action: 'hibernate' }
  const running = ['starting', 'ready', 'working', 'resuming'].includes(status)
  if (running && sandbox === 'running') return { action: 'readopt' }
  // Idle when the server died and its files are intact: nothing is lost by treating it as hibernated.
  if (status === 'ready' && sandbox === 'stopped') return { action: 'hibernate' }
  if (running || status === 'pending' || status === 'provisioning')
    return {
      action: 'fail',
      reason: `the server restarted while the session was ${status} and its sandbox did not survive`,
    }
  return { action: 'none' }
}
