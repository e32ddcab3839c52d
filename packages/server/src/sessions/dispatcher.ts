import type { SessionStatus } from '@agent-ops/protocol'
import type { Logger } from '../logger.ts'
import type { EventLog } from './event-log.ts'
import type { KeyedLock } from './keyed-lock.ts'
import { canDispatch } from './lifecycle.ts'
import type { RunnerLinks } from './ports.ts'
import type { PromptQueue } from './prompt-queue.ts'
import type { SessionStore } from './session-store.ts'
import type { Transitions } from './transitions.ts'

export type DispatcherDeps = {
  store: SessionStore
  queue: PromptQueue
  log: EventLog
  transitions: Transitions
  runners: RunnerLinks
  lock: KeyedLock
  logger: Logger
}

/** Moves the next queued message to the agent when the session is ready and its runner is connected. */
export class Dispatcher {
  readonly #deps: DispatcherDeps

  constructor(deps: DispatcherDeps) {
    this.#deps = deps
  }

  kick(sessionId: string): Promise<void> {
    const { lock } = this.#deps
    return lock
      .run(sessionId, () => this.#dispatchNext(sessionId))
      .catch((error: unknown) => {
        this.#deps.logger.error({ sessionId, err: error }, 'dispatch failed')
      })
  }

  async #dispatchNext(sessionId: string): Promise<void> {
    const { store, queue, log, transitions, runners } = this.#deps
    const row = await store.row(sessionId)
    if (!canDispatch(row.status as SessionStatus, runners.isConnected(sessionId))) return
    const [next, ...rest] = await queue.queued(sessionId)
    if (!next) return
    // Working first: the agent's busy report may arrive before this function returns.
    await transitions.to(sessionId, 'working')
    if (
      !runners.send(sessionId, {
        type: 'prompt',
        messageId: next.messageId,
        text: next.text,
        model: row.model,
      })
    ) {
      await transitions.to(sessionId, 'ready')
      return
    }
    await queue.markDispatched(next.messageId)
    await log.append(sessionId, { type: 'queue.updated', data: { queue: rest } })
  }
}
