import type { AgentEvent, AgentStatus, ToolStatus } from '@agent-ops/protocol'

/**
 * What the event bridge remembers about OpenCode's session: enough to emit each final state exactly once,
 * live or when reconciling after a reconnect. Owned by one runner process; survives OpenCode restarts.
 */
export type PartMemo = {
  kind: 'text' | 'reasoning' | 'tool' | 'other'
  messageId: string
  /** Characters of text already sent as text.delta. */
  sentChars: number
  /** The part's final event (text.done / reasoning.done) has been emitted. */
  done: boolean
  /** Last tool status emitted as tool.updated. */
  toolStatus?: ToolStatus
}

export type BridgeState = {
  /** Our OpenCode session. */
  sessionId: string
  /** Sessions started by ours (subagents): their asks are answered too, nothing else of theirs is mapped. */
  childSessions: Set<string>
  roles: Map<string, 'user' | 'assistant'>
  parts: Map<string, PartMemo>
  /** Assistant messages whose usage was emitted. */
  usageSent: Set<string>
  /** Assistant messages whose error was emitted (or covered by a session.error). */
  errorSent: Set<string>
  /** "name: message" of session.error events in the current turn, to skip the same error on the message. */
  turnErrors: Set<string>
  /** Last agent.status emitted (undefined before the first). */
  status: AgentStatus | undefined
  statusMessage: string | undefined
  /** Signature of the last files.changed, so an unchanged diff is not repeated. */
  filesSignature: string
  /** Permission and question requests already handed to the policy. */
  answered: Set<string>
  /**
   * An earlier runner reported the stored conversation up to this message (OpenCode's ids ascend): nothing of it
   * or of any message before it is mapped again. Set by the seed of a runner that reuses a stored session.
   */
  reportedThrough: string | undefined
}

export function createBridgeState(sessionId: string): BridgeState {
  return {
    sessionId,
    childSessions: new Set(),
    roles: new Map(),
    parts: new Map(),
    usageSent: new Set(),
    errorSent: new Set(),
    turnErrors: new Set(),
    status: undefined,
    statusMessage: undefined,
    filesSignature: '[]',
    answered: new Set(),
    reportedThrough: undefined,
  }
}

/** A request the runner must answer in OpenCode by the session's policy (nothing may hang). */
export type PolicyRequest =
  | { kind: 'permission'; requestId: string; permission: string; patterns: string[] }
  | { kind: 'question'; requestId: string; questions: string[] }

export type BridgeOutput = { events: AgentEvent[]; requests: PolicyRequest[] }

export const emptyOutput = (): BridgeOutput => ({ events: [], requests: [] })
