import type { PermissionRequest, QuestionRequest, SessionStatus } from '@opencode-ai/sdk/v2/client'
import { type BridgeOutput, type BridgeState, emptyOutput } from './bridge-state.ts'
import { permissionRequests, questionRequests, setStatus } from './event-bridge.ts'
import type { OpencodeMessage } from './opencode-client.ts'
import { mapMessage, mapPart } from './part-mapping.ts'

/**
 * OpenCode's event stream has no replay: after (re)connecting, what happened meanwhile is read back from
 * OpenCode's stored state. Pure, like the bridge: snapshot in, the missing final states out.
 */
export type OpencodeSnapshot = {
  messages: OpencodeMessage[]
  /** GET /session/status: sessions missing from it are idle. */
  statuses: Record<string, SessionStatus>
  permissions: PermissionRequest[]
  questions: QuestionRequest[]
}

/**
 * Emits the final state of every part, usage and error not emitted yet (text.done, reasoning.done,
 * tool.updated), the current status if it changed, and hands pending asks to the policy.
 */
export function reconcile(state: BridgeState, snapshot: OpencodeSnapshot): BridgeOutput {
  const out = emptyOutput()
  for (const { info } of snapshot.messages) state.roles.set(info.id, info.role)
  for (const { info, parts } of snapshot.messages) {
    if (info.role === 'assistant') for (const part of parts) out.events.push(...mapPart(state, part, 'final'))
    out.events.push(...mapMessage(state, info))
  }
  const status = snapshot.statuses[state.sessionId] ?? { type: 'idle' }
  // Only a known status is corrected: before the first status event the agent was never busy.
  if (state.status !== undefined) {
    out.events.push(
      ...(status.type === 'retry'
        ? setStatus(state, 'retry', status.message)
        : setStatus(state, status.type)),
    )
  }
  out.requests.push(...permissionRequests(state, snapshot.permissions))
  out.requests.push(...questionRequests(state, snapshot.questions))
  return out
}

/**
 * A runner that reuses a stored OpenCode session does not know what its predecessor sent: it takes the
 * stored conversation, up to the latest of the snapshot's messages, as already reported, and only answers the
 * asks still pending. The latest message alone is enough (OpenCode's message ids ascend).
 */
export function seed(state: BridgeState, snapshot: OpencodeSnapshot): BridgeOutput {
  for (const { info } of snapshot.messages)
    if (state.reportedThrough === undefined || info.id > state.reportedThrough)
      state.reportedThrough = info.id
  const { requests } = reconcile(state, snapshot)
  return { events: [], requests }
}
