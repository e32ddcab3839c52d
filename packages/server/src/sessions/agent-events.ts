import type { AgentEvent, SessionStatus } from '@agent-ops/protocol'
import type { EventBus } from '../realtime/pubsub.ts'
import type { Dispatcher } from './dispatcher.ts'
import type { EventLog } from './event-log.ts'
import { statusAfterAgentStatus } from './lifecycle.ts'
import type { SessionRow, SessionStore, SessionUpdate } from './session-store.ts'
import type { Transitions } from './transitions.ts'

export type AgentEventsDeps = {
  log: EventLog
  store: SessionStore
  transitions: Transitions
  dispatcher: Dispatcher
  bus: EventBus
}

/**
 * Stores what the runner reports (exactly once per runner sequence) and reacts to it: the agent being up makes
 * the session ready, idle lets the next queued message go, usage adds to the session's totals.
 */
export class AgentEvents {
  readonly #deps: AgentEventsDeps

  constructor(deps: AgentEventsDeps) {
    this.#deps = deps
  }

  /** Returns false when the event was a resend already stored. */
  async ingest(
    sessionId: string,
    runner: { runnerId: string; seq: number },
    event: AgentEvent,
  ): Promise<boolean> {
    const { log, transitions, dispatcher, bus } = this.#deps
    const stored = await log.append(sessionId, event, { runner, update: usageUpdate(event) })
    if (!stored) return false
    switch (event.type) {
      case 'agent.ready': {
        await log.append(sessionId, { type: 'session.progress', data: { step: 'agent.ready' } })
        const status = await this.#status(sessionId)
        if (status === 'starting' || status === 'resuming') await transitions.to(sessionId, 'ready')
        void dispatcher.kick(sessionId)
        break
      }
      case 'agent.status': {
        const next = statusAfterAgentStatus(await this.#status(sessionId), event.data.status)
        if (next) await transitions.to(sessionId, next)
        if (event.data.status === 'idle') void dispatcher.kick(sessionId)
        break
      }
      case 'usage':
        bus.publishSessionChanged(sessionId)
        break
      default:
        break
    }
    return true
  }

  async #status(sessionId: string): Promise<SessionStatus> {
    return (await this.#deps.store.row(sessionId)).status as SessionStatus
  }
}

/** A `usage` event is one step's tokens and cost: add them to the session's totals. */
function usageUpdate(event: AgentEvent): ((row: SessionRow) => SessionUpdate) | undefined {
  if (event.type !== 'usage') return undefined
  const u = event.data
  return (row) => ({
    input_tokens: row.input_tokens + Math.round(u.inputTokens),
    output_tokens: row.output_tokens + Math.round(u.outputTokens),
    reasoning_tokens: row.reasoning_tokens + Math.round(u.reasoningTokens),
    cache_read_tokens: row.cache_read_tokens + Math.round(u.cacheReadTokens),
    cache_write_tokens: row.cache_write_tokens + Math.round(u.cacheWriteTokens),
    cost_usd: row.cost_usd + u.costUsd,
  })
}
