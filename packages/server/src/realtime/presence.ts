import type { Presence as PresenceView, UserSummary } from '@agent-ops/protocol'

type Watcher = { user: UserSummary; since: string; streams: number }

/**
 * Who is watching which session right now: one entry per person with an open event stream (several tabs count
 * once). In process: each replica knows its own viewers; a shared view across replicas comes with PostgreSQL
 * pub/sub.
 */
export class Presence {
  readonly #sessions = new Map<string, Map<string, Watcher>>()

  /** Registers an open stream; returns the function to call when it closes. */
  join(sessionId: string, user: UserSummary, now = new Date()): () => void {
    const watchers = this.#sessions.get(sessionId) ?? new Map<string, Watcher>()
    this.#sessions.set(sessionId, watchers)
    const existing = watchers.get(user.id)
    if (existing) existing.streams++
    else watchers.set(user.id, { user, since: now.toISOString(), streams: 1 })
    let left = false
    return () => {
      if (left) return
      left = true
      const watcher = watchers.get(user.id)
      if (!watcher) return
      watcher.streams--
      if (watcher.streams === 0) watchers.delete(user.id)
      if (watchers.size === 0) this.#sessions.delete(sessionId)
    }
  }

  of(sessionId: string): PresenceView {
    const watchers = this.#sessions.get(sessionId)
    return {
      viewers: [...(watchers?.values() ?? [])]
        .map((w) => ({ user: w.user, since: w.since }))
        .sort((a, b) => a.since.localeCompare(b.since)),
    }
  }
}
