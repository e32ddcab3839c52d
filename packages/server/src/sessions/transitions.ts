import type { SessionStatus } from '@agent-ops/protocol'
import type { Logger } from '../logger.ts'
import type { EventBus } from '../realtime/pubsub.ts'
import type { EventLog } from './event-log.ts'
import { canTransition, deadlineMs } from './lifecycle.ts'

export type TransitionLimits = { bootTimeoutMs: number; stopTimeoutMs: number }

/**
 * Performs lifecycle transitions: each one is a `session.status` event stored together with the new status.
 * Every transient state gets a watchdog; a session still in it at the deadline fails with a reason.
 */
export class Transitions {
  readonly #log: EventLog
  readonly #bus: EventBus
  readonly #logger: Logger
  readonly #limits: TransitionLimits
  readonly #watchdogs = new Map<string, NodeJS.Timeout>()
  /** Called when a watchdog fires, so the owner can clean up the sandbox. */
  onDeadline: (sessionId: string, status: SessionStatus) => void = () => {}
  /** Told of every transition made (idle hibernation, admission limits and the warm pool follow them). */
  readonly observers: Array<(sessionId: string, to: SessionStatus) => void> = []

  constructor(log: EventLog, bus: EventBus, logger: Logger, limits: TransitionLimits) {
    this.#log = log
    this.#bus = bus
    this.#logger = logger
    this.#limits = limits
  }

  /**
   * Moves the session to `to` if the lifecycle allows it from its current state (and that state is `onlyFrom`,
   * when given); returns whether it did.
   */
  async to(
    sessionId: string,
    to: SessionStatus,
    reason?: string,
    onlyFrom?: SessionStatus,
  ): Promise<boolean> {
    let from: SessionStatus | undefined
    const event = await this.#log
      .append(
        sessionId,
        { type: 'session.status', data: reason ? { status: to, reason } : { status: to } },
        {
          update: (current) => {
            from = current.status as SessionStatus
            if (!canTransition(from, to) || (onlyFrom && from !== onlyFrom))
              throw new RefusedTransition(from, to)
            return { status: to, status_reason: reason ?? null }
          },
        },
      )
      .catch((error: unknown) => {
        if (error instanceof RefusedTransition) return undefined
        throw error
      })
    if (!event) {
      this.#logger.debug({ sessionId, from, to }, 'transition refused')
      return false
    }
    this.#logger.info({ sessionId, from, to, reason }, 'session status')
    this.#arm(sessionId, to)
    this.#bus.publishSessionChanged(sessionId)
    for (const observe of this.observers) observe(sessionId, to)
    return true
  }

  /** Re-arms the watchdog for a session found in a transient state after a restart. */
  arm(sessionId: string, status: SessionStatus, deadline?: number): void {
    this.#arm(sessionId, status, deadline)
  }

  disarm(sessionId: string): void {
    clearTimeout(this.#watchdogs.get(sessionId))
    this.#watchdogs.delete(sessionId)
  }

  disarmAll(): void {
    for (const timer of this.#watchdogs.values()) clearTimeout(timer)
    this.#watchdogs.clear()
  }

  #arm(sessionId: string, status: SessionStatus, override?: number) {
    this.disarm(sessionId)
    const ms = override ?? deadlineMs(status, this.#limits)
    if (ms === undefined) return
    const timer = setTimeout(() => {
      this.#watchdogs.delete(sessionId)
      this.onDeadline(sessionId, status)
    }, ms)
    timer.unref()
    this.#watchdogs.set(sessionId, timer)
  }
}

class RefusedTransition extends Error {
  constructor(from: SessionStatus, to: SessionStatus) {
    super(`cannot go from ${from} to ${to}`)
  }
}
