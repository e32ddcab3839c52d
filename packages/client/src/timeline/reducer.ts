import type {
  AgentStatus,
  BootStep,
  ChangedFile,
  MessageMode,
  QueuedMessage,
  SessionEvent,
  SessionEventOf,
  SessionStatus,
  ToolStatus,
} from '@agent-ops/protocol'

/**
 * The session view's model, folded from the event log by a pure reducer: events arrive in seq order (the SDK
 * guarantees it), anything at or below the last seq seen is a duplicate and ignored.
 */
export type TimelineItem =
  | {
      kind: 'user'
      key: string
      seq: number
      messageId: string
      text: string
      mode: MessageMode
      author: string
    }
  | { kind: 'text'; key: string; seq: number; messageId: string; partId: string; text: string; done: boolean }
  | { kind: 'reasoning'; key: string; seq: number; partId: string; text: string }
  | ({ kind: 'tool'; key: string; seq: number } & ToolState)
  | { kind: 'status'; key: string; seq: number; status: SessionStatus; reason: string | null }
  | { kind: 'progress'; key: string; seq: number; step: BootStep; detail: string | null }
  | { kind: 'error'; key: string; seq: number; errorKind: string; message: string }
  | { kind: 'restart'; key: string; seq: number; reason: string; attempt: number }
  | { kind: 'permission'; key: string; seq: number; permission: string; patterns: string[]; reply: string }
  | { kind: 'question'; key: string; seq: number; questions: string[] }
  | { kind: 'files'; key: string; seq: number; files: ChangedFile[] }

export interface ToolState {
  partId: string
  messageId: string
  callId: string
  tool: string
  status: ToolStatus
  title: string | null
  input: Record<string, unknown>
  output: string | null
  error: string | null
}

export type Todo = SessionEventOf<'todos.updated'>['data']['todos'][number]
export type Usage = Omit<SessionEventOf<'usage'>['data'], 'messageId'>

export interface TimelineState {
  lastSeq: number
  status: SessionStatus | null
  statusReason: string | null
  agentStatus: AgentStatus | null
  queue: QueuedMessage[]
  todos: Todo[]
  /** Latest usage report per assistant message (the header shows the session's totals). */
  usage: Readonly<Record<string, Usage>>
  items: TimelineItem[]
  /** Where each text / reasoning / tool part sits in `items`, so updates replace it in place. */
  partIndex: Readonly<Record<string, number>>
}

export const emptyTimeline: TimelineState = {
  lastSeq: 0,
  status: null,
  statusReason: null,
  agentStatus: null,
  queue: [],
  todos: [],
  usage: {},
  items: [],
  partIndex: {},
}

export function reduceTimeline(state: TimelineState, event: SessionEvent): TimelineState {
  if (event.seq <= state.lastSeq) return state
  const next = applyEvent(state, event)
  return { ...next, lastSeq: event.seq }
}

export function reduceEvents(state: TimelineState, events: readonly SessionEvent[]): TimelineState {
  return events.reduce(reduceTimeline, state)
}

function applyEvent(state: TimelineState, event: SessionEvent): TimelineState {
  const key = `e${event.seq}`
  const { seq } = event
  switch (event.type) {
    case 'session.status': {
      const reason = event.data.reason ?? null
      const item: TimelineItem = { kind: 'status', key, seq, status: event.data.status, reason }
      return { ...append(state, item), status: event.data.status, statusReason: reason }
    }
    case 'session.progress':
      return append(state, {
        kind: 'progress',
        key,
        seq,
        step: event.data.step,
        detail: event.data.detail ?? null,
      })
    case 'message.user': {
      const { messageId, text, mode, author } = event.data
      return append(state, { kind: 'user', key, seq, messageId, text, mode, author: author.name })
    }
    case 'queue.updated':
      return { ...state, queue: event.data.queue }
    case 'agent.status':
      return { ...state, agentStatus: event.data.status }
    case 'agent.ready':
      return state
    case 'agent.restarted':
      return append(state, {
        kind: 'restart',
        key,
        seq,
        reason: event.data.reason,
        attempt: event.data.attempt,
      })
    case 'agent.error':
      return append(state, {
        kind: 'error',
        key,
        seq,
        errorKind: event.data.kind,
        message: event.data.message,
      })
    case 'text.delta':
      return applyTextDelta(state, event)
    case 'text.done': {
      const { messageId, partId, text } = event.data
      return upsertPart(state, partId, {
        kind: 'text',
        key: partId,
        seq,
        messageId,
        partId,
        text,
        done: true,
      })
    }
    case 'reasoning.done': {
      const { partId, text } = event.data
      return upsertPart(state, partId, { kind: 'reasoning', key: partId, seq, partId, text })
    }
    case 'tool.updated':
      return upsertPart(state, event.data.partId, toolItem(event, seq))
    case 'files.changed':
      return append(state, { kind: 'files', key, seq, files: event.data.files })
    case 'todos.updated':
      return { ...state, todos: event.data.todos }
    case 'usage': {
      const { messageId, ...usage } = event.data
      return { ...state, usage: { ...state.usage, [messageId]: usage } }
    }
    case 'permission.answered': {
      const { permission, patterns, reply } = event.data
      return append(state, { kind: 'permission', key, seq, permission, patterns, reply })
    }
    case 'question.answered':
      return append(state, { kind: 'question', key, seq, questions: event.data.questions })
    default:
      return state
  }
}

function applyTextDelta(state: TimelineState, event: SessionEventOf<'text.delta'>): TimelineState {
  const { messageId, partId, delta } = event.data
  const index = state.partIndex[partId]
  const existing = index === undefined ? undefined : state.items[index]
  if (existing === undefined) {
    return upsertPart(state, partId, {
      kind: 'text',
      key: partId,
      seq: event.seq,
      messageId,
      partId,
      text: delta,
      done: false,
    })
  }
  // After text.done the final text is authoritative; a late delta must not append to it.
  if (existing.kind !== 'text' || existing.done) return state
  return upsertPart(state, partId, { ...existing, text: existing.text + delta })
}

function toolItem(event: SessionEventOf<'tool.updated'>, seq: number): TimelineItem {
  const { partId, messageId, callId, tool, status, title, input, output, error } = event.data
  return {
    kind: 'tool',
    key: partId,
    seq,
    partId,
    messageId,
    callId,
    tool,
    status,
    title: title ?? null,
    input: input ?? {},
    output: output ?? null,
    error: error ?? null,
  }
}

function append(state: TimelineState, item: TimelineItem): TimelineState {
  return { ...state, items: [...state.items, item] }
}

/** Replaces the part's item where it first appeared (keeping that position), or appends it. */
function upsertPart(state: TimelineState, partId: string, item: TimelineItem): TimelineState {
  const index = state.partIndex[partId]
  if (index === undefined) {
    return {
      ...state,
      items: [...state.items, item],
      partIndex: { ...state.partIndex, [partId]: state.items.length },
    }
  }
  const items = state.items.slice()
  const previous = items[index]
  items[index] = previous ? { ...item, seq: previous.seq } : item
  return { ...state, items }
}
