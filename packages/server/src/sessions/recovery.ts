import type { SessionStatus } from '@agent-ops/protocol'
import type { Logger } from '../logger.ts'
import type { Dispatcher } from './dispatcher.ts'
import type { RunnerLinks } from './ports.ts'
import type { SandboxControl } from './sandbox-control.ts'
import type { SessionStore } from './session-store.ts'
import type { Transitions } from './transitions.ts'

export type RecoveryDeps = {
  store: SessionStore
  transitions: Transitions
  sandbox: SandboxControl
  runners: RunnerLinks
  dispatcher: Dispatcher
  reconnectTimeoutMs: number
  logger: Logger
}

const runningStates: readonly SessionStatus[] = ['starting', 'ready', 'working', 'resuming']

/**
 * Keeps sessions from wedging: after a server restart, live sandboxes are re-adopted (their runners reconnect)
 * and dead ones fail with a reason; a watchdog deadline or a runner that never comes back fails the session too.
 */
export class Recovery {
  readonly #d: RecoveryDeps

  constructor(deps: RecoveryDeps) {
    this.#d = deps
    deps.transitions.onDeadline = (id, status) => void this.#onDeadline(id, status)
  }

  /** Run once at start-up, before the server accepts requests. */
  async recoverAfterRestart(): Promise<void> {
    const { store, transitions, sandbox, logger, reconnectTimeoutMs } = this.#d
    const rows = await store.withStatus([
      'pending',
      'provisioning',
      'stopping',
      'hibernating',
      ...runningStates,
    ])
    for (const row of rows) {
      const status = row.status as SessionStatus
      if (status === 'stopping') {
        await sandbox.teardown(row.id)
        await transitions.to(row.id, 'stopped')
      } else if (runningStates.includes(status) && (await sandbox.isRunning(row.id))) {
        logger.info({ sessionId: row.id, status }, 'waiting for the runner to reconnect')
        transitions.arm(row.id, status, reconnectTimeoutMs)
      } else {
        await this.#fail(
          row.id,
          `the server restarted while the session was ${status} and its sandbox did not survive`,
        )
      }
    }
  }

  /** The runner's connection closed: give it a grace period to come back before failing the session. */
  runnerDisconnected(sessionId: string): void {
    const timer = setTimeout(() => void this.#checkRunner(sessionId), this.#d.reconnectTimeoutMs)
    timer.unref()
  }

  async #checkRunner(sessionId: string) {
    const { store, runners } = this.#d
    if (runners.isConnected(sessionId)) return
    const row = await store.row(sessionId).catch(() => undefined)
    if (!row || !runningStates.includes(row.status as SessionStatus)) return
    await this.#fail(sessionId, 'the runner disconnected and did not come back')
  }

  async #onDeadline(sessionId: string, status: SessionStatus) {
    const { store, runners } = this.#d
    const row = await store.row(sessionId).catch(() => undefined)
    if (!row || row.status !== status) return
    // A re-adopted session whose runner is back is fine.
    if ((status === 'ready' || status === 'working') && runners.isConnected(sessionId)) return
    await this.#fail(sessionId, `the session stayed ${status} past its deadline`)
  }

  async #fail(sessionId: string, reason: string) {
    const { transitions, sandbox, logger } = this.#d
    logger.warn({ sessionId, reason }, 'session failed')
    if (await transitions.to(sessionId, 'failed', reason))
      await sandbox.teardown(sessionId, { keepFiles: true })
  }
}
