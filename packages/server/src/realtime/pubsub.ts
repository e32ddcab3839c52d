import type { SessionEvent } from '@agent-ops/protocol'

export type Unsubscribe = () => void

/**
 * Fan-out of stored session events to live subscribers (SSE streams, Slack later). In-process for one machine;
 * a PostgreSQL LISTEN/NOTIFY implementation of the same interface serves several replicas.
 */
export interface EventBus {
  publish(sessionId: string, event: SessionEvent): void
  subscribe(sessionId: string, listener: (event: SessionEvent) => void): Unsubscribe
  /** Session-list changes (status, title, usage), for dashboards. */
  publishSessionChanged(sessionId: string): void
  subscribeSessionChanges(listener: (sessionId: string) => void): Unsubscribe
}

export class InProcessEventBus implements EventBus {
  readonly #bySession = new Map<string, Set<(event: SessionEvent) => void>>()
  readonly #sessionListeners = new Set<(sessionId: string) => void>()

  publish(sessionId: string, event: SessionEvent): void {
    const listeners = this.#bySession.get(sessionId)
    if (!listeners) return
    for (const listener of listeners) listener(event)
  }

  subscribe(sessionId: string, listener: (event: SessionEvent) => void): Unsubscribe {
    const listeners = this.#bySession.get(sessionId) ?? new Set()
    this.#bySession.set(sessionId, listeners)
    listeners.add(listener)
    return () => {
      listeners.delete(listener)
      if (listeners.size === 0) this.#bySession.delete(sessionId)
    }
  }

  publishSessionChanged(sessionId: string): void {
    for (const listener of this.#sessionListeners) listener(sessionId)
  }

  subscribeSessionChanges(listener: (sessionId: string) => void): Unsubscribe {
    this.#sessionListeners.add(listener)
    return () => this.#sessionListeners.delete(listener)
  }
}
