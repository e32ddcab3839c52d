import type { AgentEvent, AgentStatus } from '@agent-ops/protocol'
import type { Event, SessionStatus } from '@opencode-ai/sdk/v2/client'
import { type BridgeOutput, type BridgeState, emptyOutput, type PolicyRequest } from './bridge-state.ts'
import { describeError, errorKey, mapDiff, mapMessage, mapPart } from './part-mapping.ts'

/**
 * The event bridge: one OpenCode `/event` payload in, agent events and policy requests out. Pure apart from
 * updating `state`: no I/O, no clock. Only our OpenCode session's events are mapped.
 */
export function bridgeEvent(state: BridgeState, event: Event): BridgeOutput {
  const out = emptyOutput()
  const ours = (sessionId: string | undefined) => sessionId === state.sessionId
  switch (event.type) {
    case 'message.updated':
      if (ours(event.properties.sessionID)) out.events.push(...mapMessage(state, event.properties.info))
      break
    case 'message.part.updated':
      if (ours(event.properties.sessionID)) out.events.push(...mapPart(state, event.properties.part, 'live'))
      break
    case 'message.part.delta': {
      const { sessionID, messageID, partID, field, delta } = event.properties
      const memo = state.parts.get(partID)
      // Deltas of reasoning and tool input are not streamed; text.done carries the whole text anyway.
      if (!ours(sessionID) || field !== 'text' || memo?.kind !== 'text' || memo.done || delta === '') break
      memo.sentChars += delta.length
      out.events.push({ type: 'text.delta', data: { messageId: messageID, partId: partID, delta } })
      break
    }
    case 'session.status':
      if (ours(event.properties.sessionID)) out.events.push(...mapStatus(state, event.properties.status))
      break
    case 'session.idle':
      if (ours(event.properties.sessionID)) out.events.push(...setStatus(state, 'idle'))
      break
    case 'session.error': {
      const sessionId = event.properties.sessionID
      // Errors without a session are the instance's: with one session per runner, they are ours too.
      if (sessionId !== undefined && !ours(sessionId)) break
      const error = describeError(event.properties.error)
      state.turnErrors.add(errorKey(error))
      out.events.push({ type: 'agent.error', data: error })
      break
    }
    case 'session.diff':
      if (ours(event.properties.sessionID)) out.events.push(...mapDiff(state, event.properties.diff))
      break
    case 'todo.updated':
      if (ours(event.properties.sessionID)) {
        const todos = event.properties.todos.map(({ content, status, priority }) => ({
          content,
          status,
          priority,
        }))
        out.events.push({ type: 'todos.updated', data: { todos } })
      }
      break
    case 'session.created': {
      const parent = event.properties.info.parentID
      if (parent !== undefined && (ours(parent) || state.childSessions.has(parent))) {
        state.childSessions.add(event.properties.info.id)
      }
      break
    }
    case 'permission.asked':
      out.requests.push(...permissionRequests(state, [event.properties]))
      break
    case 'question.asked':
      out.requests.push(...questionRequests(state, [event.properties]))
      break
    default:
      break
  }
  return out
}

function mapStatus(state: BridgeState, status: SessionStatus): AgentEvent[] {
  if (status.type === 'retry') return setStatus(state, 'retry', status.message)
  return setStatus(state, status.type)
}

/** Emits agent.status only when something changed (OpenCode repeats busy at every step). */
export function setStatus(state: BridgeState, status: AgentStatus, message?: string): AgentEvent[] {
  if (state.status === status && state.statusMessage === message) return []
  // A new turn: errors of the previous one no longer explain anything.
  if (status === 'busy' && state.status !== 'retry') state.turnErrors.clear()
  state.status = status
  state.statusMessage = message
  return [{ type: 'agent.status', data: message === undefined ? { status } : { status, message } }]
}

const concerns = (state: BridgeState, sessionId: string) =>
  sessionId === state.sessionId || state.childSessions.has(sessionId)

export function permissionRequests(
  state: BridgeState,
  asks: ReadonlyArray<{ id: string; sessionID: string; permission: string; patterns: string[] }>,
): PolicyRequest[] {
  const requests: PolicyRequest[] = []
  for (const ask of asks) {
    if (!concerns(state, ask.sessionID) || state.answered.has(ask.id)) continue
    state.answered.add(ask.id)
    requests.push({
      kind: 'permission',
      requestId: ask.id,
      permission: ask.permission,
      patterns: ask.patterns,
    })
  }
  return requests
}

export function questionRequests(
  state: BridgeState,
  asks: ReadonlyArray<{ id: string; sessionID: string; questions: ReadonlyArray<{ question: string }> }>,
): PolicyRequest[] {
  const requests: PolicyRequest[] = []
  for (const ask of asks) {
    if (!concerns(state, ask.sessionID) || state.answered.has(ask.id)) continue
    state.answered.add(ask.id)
    requests.push({ kind: 'question', requestId: ask.id, questions: ask.questions.map((q) => q.question) })
  }
  return requests
}

/** OpenCode died under us: report it, and end the turn it was in. */
export function agentCrashed(state: BridgeState, message: string): AgentEvent[] {
  const events: AgentEvent[] = [{ type: 'agent.error', data: { kind: 'agent_crashed', message } }]
  if (state.status !== undefined && state.status !== 'idle') events.push(...setStatus(state, 'idle'))
  return events
}
