import {
  AbortResult,
  type CreateSessionInput,
  Health,
  ModelList,
  type SendMessageInput,
  SendMessageResult,
  Session,
  SessionList,
} from '@agent-ops/protocol'
import { type EventStreamOptions, followSessionEvents } from './events.ts'
import { Transport, type TransportOptions } from './http.ts'

export type ClientOptions = TransportOptions

export type Client = ReturnType<typeof createClient>

/** The typed REST/SSE client used by the CLI, the web client, the server's tests and the benchmarks. */
export function createClient(options: ClientOptions) {
  const transport = new Transport(options)
  const sessionPath = (id: string) => `/api/sessions/${encodeURIComponent(id)}`

  return {
    baseUrl: transport.baseUrl,
    health: () => transport.json('GET', '/api/health', Health),
    models: () => transport.json('GET', '/api/models', ModelList),
    sessions: {
      create: (input: CreateSessionInput) =>
        transport.json('POST', '/api/sessions', Session, { body: input }),
      list: () => transport.json('GET', '/api/sessions', SessionList),
      get: (id: string) => transport.json('GET', sessionPath(id), Session),
      /** Stops the session for good; the sandbox is cleaned up. */
      stop: (id: string) => transport.json('DELETE', sessionPath(id), Session),
      send: (id: string, input: SendMessageInput) =>
        transport.json('POST', `${sessionPath(id)}/messages`, SendMessageResult, { body: input }),
      abort: (id: string) => transport.json('POST', `${sessionPath(id)}/abort`, AbortResult),
      events: (id: string, streamOptions?: EventStreamOptions) =>
        followSessionEvents(transport, id, streamOptions),
    },
  }
}
