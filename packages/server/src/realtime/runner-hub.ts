import { RunnerToServer, type ServerToRunner, type SessionStatus } from '@agent-ops/protocol'
import type { WSContext } from 'hono/ws'
import type { Logger } from '../logger.ts'
import type { AgentEvents } from '../sessions/agent-events.ts'
import type { Dispatcher } from '../sessions/dispatcher.ts'
import type { EventLog } from '../sessions/event-log.ts'
import type { RunnerLinks } from '../sessions/ports.ts'
import type { SessionStore } from '../sessions/session-store.ts'

type Connection = { ws: WSContext; runnerId?: string; queue: Promise<void> }

export type RunnerHubDeps = {
  store: SessionStore
  log: EventLog
  agentEvents: () => AgentEvents
  dispatcher: () => Dispatcher
  onDisconnect: (sessionId: string) => void
  logger: Logger
}

/**
 * One WebSocket per session's runner. Messages from a runner are handled strictly in order; each event is
 * acknowledged once stored, so the runner can drop it from its resend buffer.
 */
export class RunnerHub implements RunnerLinks {
  readonly #connections = new Map<string, Connection>()
  readonly #d: RunnerHubDeps

  constructor(deps: RunnerHubDeps) {
    this.#d = deps
  }

  send(sessionId: string, message: ServerToRunner): boolean {
    const connection = this.#connections.get(sessionId)
    if (!connection?.runnerId) return false
    connection.ws.send(JSON.stringify(message))
    return true
  }

  isConnected(sessionId: string): boolean {
    return Boolean(this.#connections.get(sessionId)?.runnerId)
  }

  disconnect(sessionId: string): void {
    const connection = this.#connections.get(sessionId)
    this.#connections.delete(sessionId)
    connection?.ws.close(1000, 'session stopped')
  }

  closeAll(): void {
    for (const connection of this.#connections.values()) connection.ws.close(1001, 'server shutting down')
    this.#connections.clear()
  }

  /** WebSocket handlers for one authenticated runner connection. */
  handlers(sessionId: string) {
    const connection: Connection = { ws: undefined as unknown as WSContext, queue: Promise.resolve() }
    return {
      onOpen: (_event: Event, ws: WSContext) => {
        connection.ws = ws
        const previous = this.#connections.get(sessionId)
        this.#connections.set(sessionId, connection)
        // A runner reconnecting replaces its half-open predecessor.
        previous?.ws.close(4000, 'replaced by a new connection')
      },
      onMessage: (event: MessageEvent, _ws: WSContext) => {
        const text = typeof event.data === 'string' ? event.data : String(event.data)
        connection.queue = connection.queue
          .then(() => this.#handle(sessionId, connection, text))
          .catch((error: unknown) => {
            this.#d.logger.error({ sessionId, err: error }, 'runner message failed')
            connection.ws.close(1011, 'internal error')
          })
      },
      onClose: () => {
        if (this.#connections.get(sessionId) !== connection) return
        this.#connections.delete(sessionId)
        this.#d.logger.info({ sessionId }, 'runner disconnected')
        this.#d.onDisconnect(sessionId)
      },
    }
  }

  async #handle(sessionId: string, connection: Connection, text: string) {
    let parsed: RunnerToServer
    try {
      parsed = RunnerToServer.parse(JSON.parse(text))
    } catch {
      this.#d.logger.warn({ sessionId }, 'invalid runner message ignored')
      return
    }
    if (parsed.type === 'hello') return this.#hello(sessionId, connection, parsed)
    if (!connection.runnerId) return
    await this.#d
      .agentEvents()
      .ingest(sessionId, { runnerId: connection.runnerId, seq: parsed.seq }, parsed.event)
    connection.ws.send(JSON.stringify({ type: 'ack', seq: parsed.seq } satisfies ServerToRunner))
  }

  async #hello(sessionId: string, connection: Connection, hello: Extract<RunnerToServer, { type: 'hello' }>) {
    const row = await this.#d.store.row(sessionId)
    connection.runnerId = hello.runnerId
    const lastSeq = row.runner_id === hello.runnerId ? row.runner_seq : 0
    const welcome: ServerToRunner = {
      type: 'welcome',
      lastSeq,
      session: { model: row.model, permissionPolicy: row.permission_policy as 'allow' | 'deny' },
    }
    connection.ws.send(JSON.stringify(welcome))
    this.#d.logger.info({ sessionId, runnerId: hello.runnerId, lastSeq }, 'runner connected')
    const status = row.status as SessionStatus
    if ((status === 'starting' || status === 'resuming') && lastSeq === 0) {
      await this.#d.log.append(sessionId, { type: 'session.progress', data: { step: 'runner.connected' } })
    }
    void this.#d.dispatcher().kick(sessionId)
  }
}
