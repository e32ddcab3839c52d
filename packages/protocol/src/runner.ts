import { z } from 'zod'
import { AgentEvent } from './events.ts'
import { ModelRef, PermissionPolicy } from './session.ts'

/**
 * Runner <-> server messages, one JSON object per WebSocket text frame. The runner authenticates the
 * upgrade with its session's control token (`Authorization: Bearer`), never in the URL.
 */

export const RunnerPath = '/internal/runner'

export const RunnerHello = z.object({
  type: z.literal('hello'),
  /** Random per runner process: sequence numbers restart with a new runner process. */
  runnerId: z.string().min(8),
  pid: z.number().int(),
  agentVersion: z.string().optional(),
})
/** One agent event with the runner's sequence number; the server stores each (runnerId, seq) exactly once. */
export const RunnerEventMessage = z.object({
  type: z.literal('event'),
  seq: z.number().int().positive(),
  event: AgentEvent,
})
export const RunnerToServer = z.discriminatedUnion('type', [RunnerHello, RunnerEventMessage])
export type RunnerToServer = z.output<typeof RunnerToServer>

export const RunnerSessionConfig = z.object({
  model: ModelRef,
  permissionPolicy: PermissionPolicy,
})
export type RunnerSessionConfig = z.output<typeof RunnerSessionConfig>

export const ServerWelcome = z.object({
  type: z.literal('welcome'),
  /** The highest sequence of this runnerId already stored: the runner drops those and resends the rest. */
  lastSeq: z.number().int().nonnegative(),
  session: RunnerSessionConfig,
})
export const ServerAck = z.object({ type: z.literal('ack'), seq: z.number().int().nonnegative() })
export const ServerPrompt = z.object({
  type: z.literal('prompt'),
  messageId: z.string(),
  text: z.string(),
  model: ModelRef.optional(),
})
export const ServerAbort = z.object({ type: z.literal('abort') })
export const ServerToRunner = z.discriminatedUnion('type', [
  ServerWelcome,
  ServerAck,
  ServerPrompt,
  ServerAbort,
])
export type ServerToRunner = z.output<typeof ServerToRunner>
