// The protocol's plain values, without schemas: what a browser needs before (or instead of) validating with zod.
// Importing this module (`@agent-ops/protocol/vocabulary`) brings in no zod; the schemas are built from it.
import type { SessionEventType, SessionStatus } from './index.ts'

export { Limits } from './limits.ts'

/**
 * Lifecycle states (ARCHITECTURE.md, "Session lifecycle"):
 * pending -> provisioning -> starting -> ready <-> working; ready -> hibernating -> hibernated -> resuming -> ready;
 * any -> stopping -> stopped; any -> failed.
 */
export const sessionStatuses = [
  'pending',
  'provisioning',
  'starting',
  'ready',
  'working',
  'hibernating',
  'hibernated',
  'resuming',
  'stopping',
  'stopped',
  'failed',
] as const

/** States from which the session will never run again. */
export const terminalStatuses: readonly SessionStatus[] = ['stopped', 'failed']
export const isTerminal = (status: SessionStatus) => terminalStatuses.includes(status)

/** Every event type, once: the compiler checks the list against events.ts's schemas both ways. */
const eventTypes: Record<SessionEventType, true> = {
  'session.status': true,
  'session.progress': true,
  'message.user': true,
  'message.edited': true,
  'message.cancelled': true,
  'queue.updated': true,
  'sandbox.limit': true,
  'agent.status': true,
  'agent.ready': true,
  'agent.restarted': true,
  'agent.error': true,
  'text.delta': true,
  'text.done': true,
  'reasoning.done': true,
  'tool.updated': true,
  'files.changed': true,
  'todos.updated': true,
  usage: true,
  'permission.answered': true,
  'question.answered': true,
}
export const sessionEventTypes: ReadonlySet<string> = new Set(Object.keys(eventTypes))
