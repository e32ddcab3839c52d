import type { QueuedMessage, SessionStatus } from '@agent-ops/protocol'
import { conflict, notFound } from '../errors.ts'
import type { Logger } from '../logger.ts'
import type { EventLog } from './event-log.ts'
import type { KeyedLock } from './keyed-lock.ts'
import { canDispatch } from './lifecycle.ts'
import type { Actor, RunnerLinks } from './ports.ts'
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

  /**
   * Changes the text of a message still in the queue. Under the session's lock, as dispatching is: the agent
   * gets either the old text (the edit then fails with a conflict) or the new one, never an edit that "worked"
   * after the message had gone. Viewers see `message.edited`, then the queue as it now is.
   */
  edit(sessionId: string, messageId: string, text: string, by: Actor): Promise<QueuedMessage> {
    return this.#deps.lock.run(sessionId, async () => {
      const { queue, log } = this.#deps
      const message = await this.#queued(sessionId, messageId)
      if (!(await queue.editQueued(messageId, text))) throw alreadyGone(messageId)
      await log.append(sessionId, {
        type: 'message.edited',
        data: { messageId, text, author: { id: by.id, name: by.name } },
      })
      await log.append(sessionId, { type: 'queue.updated', data: { queue: await queue.queued(sessionId) } })
      return { messageId, text, mode: message.mode }
    })
  }

  /** Removes a message still in the queue, under the session's lock like `edit`; it is never sent. */
  cancel(sessionId: string, messageId: string, by: Actor): Promise<QueuedMessage> {
    return this.#deps.lock.run(sessionId, async () => {
      const { queue, log } = this.#deps
      const message = await this.#queued(sessionId, messageId)
      if (!(await queue.cancelQueued(messageId))) throw alreadyGone(messageId)
      // Before the queue update: a viewer must not take the message's leaving the queue for the agent taking it.
      await log.append(sessionId, {
        type: 'message.cancelled',
        data: { messageId, author: { id: by.id, name: by.name } },
      })
      await log.append(sessionId, { type: 'queue.updated', data: { queue: await queue.queued(sessionId) } })
      return { messageId, text: message.text, mode: message.mode }
    })
  }

  async #queued(sessionId: string, messageId: string) {
    const message = await this.#deps.queue.find(sessionId, messageId)
    if (!message) throw notFound(`message ${messageId} in session ${sessionId}`)
    if (message.status === 'dispatched')
      throw conflict(`message ${messageId} already reached the agent; it can no longer be changed`)
    if (message.status === 'cancelled')
      throw conflict(`message ${messageId} was already removed from the queue`)
    return message
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

/** Only another replica's dispatcher can take a message between the check and the change (the lock is local). */
const alreadyGone = (messageId: string) =>
  conflict(
    `message ${messageId} left the queue meanwhile (sent to the agent or removed); nothing was changed`,
  )
