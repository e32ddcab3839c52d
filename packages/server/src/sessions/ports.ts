import type { ServerToRunner } from '@agent-ops/protocol'

/** How session code reaches a session's runner (implemented by the runner hub). */
export interface RunnerLinks {
  send(sessionId: string, message: ServerToRunner): boolean
  isConnected(sessionId: string): boolean
  disconnect(sessionId: string): void
}

/** Who did something: a person, or a named system actor for background work (never "no actor"). */
export type Actor = { id: string; name: string }
export const systemActor: Actor = { id: 'system', name: 'Agent Ops' }
