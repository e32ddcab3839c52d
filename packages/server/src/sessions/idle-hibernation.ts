import type { SessionStatus } from '@agent-ops/protocol'
import type { Logger } from '../logger.ts'
import { shouldHibernate } from './lifecycle.ts'
import type { PromptQueue } from './prompt-queue.ts'
import type { SandboxControl } from './sandbox-control.ts'
import type { SessionStore } from './session-store.ts'
import type { Transitions } from './transitions.ts'

export type IdleHibernationDeps = {
  store: SessionStore
  queue: PromptQueue
  sandbox: SandboxControl
  transitions: Transitions
  idleTimeoutMs: number
  logger: Logger
}

/**
 * Hibernates sessions that stay `ready` (agent idle, nothing queued) for `idleTimeoutMs`, and resumes a session
 * that received a message while it was going to sleep.
 */
export class IdleHibernation {
  readonly #d: IdleHibernationDeps
  readonly #timers = new Map<string, NodeJS.Timeout>()

  constructor(deps: IdleHibernationDeps) {
    this.#d = deps
    deps.transitions.observers.push((id, to) => this.#observe(id, to))
  }

  /** Arms the timer for sessions found ready at start-up. */
  async armReady(): Promise<void> {
    for (const row of await this.#d.store.withStatus(['ready'])) this.#arm(row.id)
  }

  #observe(sessionId: string, to: SessionStatus) {
    this.#disarm(sessionId)
    if (to === 'ready') this.#arm(sessionId)
    if (to === 'hibernated') void this.#resumeIfQueued(sessionId)
  }

  #arm(sessionId: string) {
    if (this.#d.idleTimeoutMs <= 0) return
    const timer = setTimeout(() => void this.#fire(sessionId), this.#d.idleTimeoutMs)
    timer.unref()
    this.#timers.set(sessionId, timer)
  }

  /** Activity that is not a message (panel traffic): a ready session's idle timer starts over. */
  touch(sessionId: string): void {
    if (!this.#timers.has(sessionId)) return
    this.#disarm(sessionId)
    this.#arm(sessionId)
  }

  #disarm(sessionId: string) {
    clearTimeout(this.#timers.get(sessionId))
    this.#timers.delete(sessionId)
  }

  async #fire(sessionId: string) {
    this.#timers.delete(sessionId)
    const { store, queue, sandbox, idleTimeoutMs, logger } = this.#d
    const row = await store.row(sessionId).catch(() => undefined)
    if (!row) return
    const queued = (await queue.queued(sessionId)).length
    if (!shouldHibernate(row.status as SessionStatus, queued, idleTimeoutMs)) return
    logger.info({ sessionId, idleTimeoutMs }, 'idle: hibernating')
    await sandbox.hibernate(sessionId)
  }

  /** A message that arrived while the session was hibernating must not wait for another one. */
  async #resumeIfQueued(sessionId: string) {
    if ((await this.#d.queue.queued(sessionId)).length > 0) await this.#d.sandbox.resume(sessionId)
  }

  stop(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer)
    this.#timers.clear()
  }
}
