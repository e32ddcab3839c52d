import { SessionStatus } from '@agent-ops/protocol'
import type { Logger } from '../logger.ts'
import type { Dispatcher } from './dispatcher.ts'
import { decideRecovery } from './lifecycle.ts'
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

/** How much of a failed sandbox's log goes into the server's log. */
const failureLogBytes = 4096
/** How often a starting or resuming session's sandbox is checked for having exited. */
const startCheckMs = 500

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
    deps.sandbox.onStarted = (id, status) => this.#watchStart(id, status)
  }

  /**
   * Run once at start-up, before the server accepts requests: re-adopts live sandboxes (listening on their
   * control sockets again), settles dead ones, and removes sandboxes no session knows (a crash mid-create).
   */
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
      const handle = await sandbox.handle(row.id)
      const state = handle ? await sandbox.provider.status(handle) : 'missing'
      const decision = decideRecovery(status, state)
      switch (decision.action) {
        case 'readopt':
          logger.info({ sessionId: row.id, status }, 'waiting for the runner to reconnect')
          await sandbox.reattach(row.id)
          transitions.arm(row.id, status, reconnectTimeoutMs)
          break
        case 'teardown-then':
          await sandbox.teardown(row.id)
          await transitions.to(row.id, decision.to)
          break
        case 'hibernate':
          logger.info({ sessionId: row.id, status }, 'sandbox stopped while idle: hibernating the session')
          if (status === 'hibernating') {
            if (handle) await sandbox.provider.hibernate?.(handle)
            await transitions.to(row.id, 'hibernated')
          } else await sandbox.hibernate(row.id)
          break
        case 'fail':
          await this.#fail(row.id, decision.reason)
          break
        case 'none':
          break
      }
    }
    await this.#sweep()
  }

  /** Sandboxes of this server that no session (other than stopped ones) refers to any more. */
  async #sweep() {
    const { store, sandbox, logger } = this.#d
    if (!sandbox.provider.sweep) return
    const keep = new Set<string>()
    const rows = await store.withStatus(SessionStatus.options.filter((s) => s !== 'stopped'))
    for (const row of rows) {
      const handle = await sandbox.handle(row.id)
      if (handle) keep.add(handle.sandboxId)
    }
    const removed = await sandbox.provider.sweep(keep)
    if (removed.length > 0) logger.info({ removed }, 'removed leftover sandboxes')
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

  /**
   * While the session is `status` (its runner not yet ready), checks now and then that its sandbox still runs:
   * one that exits (its runner crashed, bubblewrap failed) fails the session at once, with the end of its log
   * as the reason, instead of at the boot deadline minutes later.
   */
  #watchStart(sessionId: string, status: 'starting' | 'resuming') {
    const { store, sandbox } = this.#d
    const check = async () => {
      const row = await store.row(sessionId).catch(() => undefined)
      if (row?.status !== status || !row.sandbox_handle) return
      const state = await sandbox.provider.status(JSON.parse(row.sandbox_handle)).catch(() => 'running')
      if (state === 'running') return void schedule()
      const sandboxLog = (await this.#logTail(sessionId)) ?? ''
      const last = sandboxLog.trim().split('\n').at(-1)?.slice(0, 300)
      await this.#fail(sessionId, `the sandbox exited while ${status}${last ? `: ${last}` : ''}`, {
        onlyFrom: status,
        sandboxLog,
      })
    }
    const schedule = () => setTimeout(() => void check().catch(() => schedule()), startCheckMs).unref()
    schedule()
  }

  async #onDeadline(sessionId: string, status: SessionStatus) {
    const { store, runners } = this.#d
    const row = await store.row(sessionId).catch(() => undefined)
    if (!row || row.status !== status) return
    // A re-adopted session whose runner is back is fine.
    if ((status === 'ready' || status === 'working') && runners.isConnected(sessionId)) return
    await this.#fail(sessionId, `the session stayed ${status} past its deadline`)
  }

  /** Fails the session (only from `onlyFrom`, when given) and stops its sandbox, keeping its files. */
  async #fail(
    sessionId: string,
    reason: string,
    opts: { onlyFrom?: SessionStatus; sandboxLog?: string } = {},
  ) {
    const { transitions, sandbox, logger } = this.#d
    // The end of the sandbox's log (the runner's, already redacted) is what an operator needs to see why.
    const sandboxLog = opts.sandboxLog ?? (await this.#logTail(sessionId))
    if (!(await transitions.to(sessionId, 'failed', reason, opts.onlyFrom))) return
    logger.warn({ sessionId, reason, sandboxLog }, 'session failed')
    await sandbox.teardown(sessionId, { keepFiles: true })
  }

  async #logTail(sessionId: string): Promise<string | undefined> {
    const { sandbox } = this.#d
    const handle = await sandbox.handle(sessionId).catch(() => undefined)
    if (!handle || !sandbox.provider.logTail) return undefined
    return sandbox.provider.logTail(handle, failureLogBytes).catch(() => undefined)
  }
}
