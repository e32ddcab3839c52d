import type {
  AgentStatus,
  BootStep,
  ChangedFile,
  QueuedMessage,
  SessionEvent,
  SessionEventOf,
  ToolStatus,
} from './events.ts'
import type { MessageMode, SessionStatus } from './session.ts'

/**
 * The session view's model, folded from the event log by a pure reducer: events arrive in seq order (the SDK
 * guarantees it), anything at or below the last seq seen is a duplicate and ignored. The server folds a stored log
 * with it for a viewer's first render (`GET /api/sessions/:id/timeline`, as a TimelineDocument), and the web app
 * folds live events onto that, so both must fold alike: this module is their one copy. Types only from the rest
 * of the package, so importing it brings in no schema code.
 */
export type UserItem = {
  kind: 'user'
  key: string
  seq: number
  messageId: string
  text: string
  mode: MessageMode
  author: string
  /** The session stopped before the message was sent to the agent. */
  cancelled: boolean
  /** Changed while it waited in the queue; `text` is what the agent got. */
  edited: boolean
}

export type TimelineItem =
  | UserItem
  | { kind: 'text'; key: string; seq: number; messageId: string; partId: string; text: string; done: boolean }
  | { kind: 'reasoning'; key: string; seq: number; partId: string; text: string }
  | ({ kind: 'tool'; key: string; seq: number } & ToolState)
  | { kind: 'status'; key: string; seq: number; status: SessionStatus; reason: string | null }
  | { kind: 'progress'; key: string; seq: number; step: BootStep; detail: string | null }
  | { kind: 'error'; key: string; seq: number; errorKind: string; message: string }
  | { kind: 'aborted'; key: string; seq: number }
  | { kind: 'restart'; key: string; seq: number; reason: string; attempt: number }
  | { kind: 'limit'; key: string; seq: number; limit: string; message: string }
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
  /** The latest `files.changed` list: the changes view. */
  changedFiles: ChangedFile[]
  /** Latest usage report per assistant message (the header shows the session's totals). */
  usage: Readonly<Record<string, Usage>>
  items: readonly TimelineItem[]
  /** Where each text / reasoning / tool part sits in `items`, so updates replace it in place. */
  partIndex: ReadonlyMap<string, number>
  /**
   * User messages still waiting in the queue. They show in the queue panel only, and enter the timeline when
   * the agent takes them, so a follow-up sent mid-turn reads after that turn (and never shows twice).
   */
  held: ReadonlyMap<string, UserItem>
}

export const emptyTimeline: TimelineState = {
  lastSeq: 0,
  status: null,
  statusReason: null,
  agentStatus: null,
  queue: [],
  todos: [],
  changedFiles: [],
  usage: {},
  items: [],
  partIndex: new Map(),
  held: new Map(),
}

const toolRank: Record<ToolStatus, number> = { pending: 0, running: 1, completed: 2, error: 2 }

/** The working copy one batch of events is applied to; the previous state is never touched. */
type Draft = Omit<TimelineState, 'items' | 'partIndex' | 'held'> & {
  items: TimelineItem[]
  partIndex: Map<string, number>
  held: Map<string, UserItem>
}

/**
 * Applies a batch of events at once: the live stream delivers thousands on open, and copying the item list
 * once per batch (not once per event) keeps that linear.
 */
export function reduceEvents(state: TimelineState, events: readonly SessionEvent[]): TimelineState {
  if (!events.some((event) => event.seq > state.lastSeq)) return state
  const draft: Draft = {
    ...state,
    items: state.items.slice(),
    partIndex: new Map(state.partIndex),
    held: new Map(state.held),
  }
  for (const event of events) {
    if (event.seq <= draft.lastSeq) continue
    applyEvent(draft, event)
    draft.lastSeq = event.seq
  }
  return draft
}

export function reduceTimeline(state: TimelineState, event: SessionEvent): TimelineState {
  return reduceEvents(state, [event])
}

function applyEvent(draft: Draft, event: SessionEvent): void {
  const key = `e${event.seq}`
  const { seq } = event
  switch (event.type) {
    case 'session.status': {
      const reason = event.data.reason ?? null
      draft.items.push({ kind: 'status', key, seq, status: event.data.status, reason })
      draft.status = event.data.status
      draft.statusReason = reason
      return
    }
    case 'session.progress':
      draft.items.push({
        kind: 'progress',
        key,
        seq,
        step: event.data.step,
        detail: event.data.detail ?? null,
      })
      return
    case 'message.user': {
      const { messageId, text, mode, author } = event.data
      const item: UserItem = {
        kind: 'user',
        key,
        seq,
        messageId,
        text,
        mode,
        author: author.name,
        cancelled: false,
        edited: false,
      }
      draft.held.set(messageId, item)
      return
    }
    case 'message.edited': {
      const { messageId, text } = event.data
      const held = draft.held.get(messageId)
      if (held) draft.held.set(messageId, { ...held, text, edited: true })
      draft.queue = draft.queue.map((queued) =>
        queued.messageId === messageId ? { ...queued, text } : queued,
      )
      return
    }
    case 'message.cancelled':
      // Removed before the agent saw it: it never enters the timeline (the queue update that follows must not
      // take its leaving the queue for the agent taking it).
      draft.held.delete(event.data.messageId)
      draft.queue = draft.queue.filter((queued) => queued.messageId !== event.data.messageId)
      return
    case 'queue.updated':
      releaseDispatched(draft, event.data.queue)
      draft.queue = event.data.queue
      return
    case 'sandbox.limit':
      draft.items.push({ kind: 'limit', key, seq, limit: event.data.limit, message: event.data.message })
      return
    case 'agent.status':
      draft.agentStatus = event.data.status
      return
    case 'agent.ready':
      return
    case 'agent.restarted':
      draft.items.push({ kind: 'restart', key, seq, reason: event.data.reason, attempt: event.data.attempt })
      return
    case 'agent.error':
      // Aborting a turn is something a person asked for, not a failure.
      if (event.data.kind === 'aborted') draft.items.push({ kind: 'aborted', key, seq })
      else
        draft.items.push({ kind: 'error', key, seq, errorKind: event.data.kind, message: event.data.message })
      return
    case 'text.delta':
      applyTextDelta(draft, event)
      return
    case 'text.done': {
      const { messageId, partId, text } = event.data
      upsertPart(draft, partId, { kind: 'text', key: partId, seq, messageId, partId, text, done: true })
      return
    }
    case 'reasoning.done': {
      const { partId, text } = event.data
      upsertPart(draft, partId, { kind: 'reasoning', key: partId, seq, partId, text })
      return
    }
    case 'tool.updated': {
      // A late report of an earlier stage (running after completed) must not undo the result.
      const index = draft.partIndex.get(event.data.partId)
      const current = index === undefined ? undefined : draft.items[index]
      if (current?.kind === 'tool' && toolRank[event.data.status] < toolRank[current.status]) return
      upsertPart(draft, event.data.partId, toolItem(event, seq))
      return
    }
    case 'files.changed':
      draft.items.push({ kind: 'files', key, seq, files: event.data.files })
      draft.changedFiles = event.data.files
      return
    case 'todos.updated':
      draft.todos = event.data.todos
      return
    case 'usage': {
      const { messageId, ...usage } = event.data
      draft.usage = { ...draft.usage, [messageId]: usage }
      return
    }
    case 'permission.answered': {
      const { permission, patterns, reply } = event.data
      draft.items.push({ kind: 'permission', key, seq, permission, patterns, reply })
      return
    }
    case 'question.answered':
      draft.items.push({ kind: 'question', key, seq, questions: event.data.questions })
      return
  }
}

/** Held messages that left the queue were taken by the agent (or dropped when the session stopped). */
function releaseDispatched(draft: Draft, queue: readonly QueuedMessage[]): void {
  const stillQueued = new Set(queue.map((queued) => queued.messageId))
  const cancelled = draft.status === 'stopping' || draft.status === 'stopped' || draft.status === 'failed'
  for (const [messageId, item] of draft.held) {
    if (stillQueued.has(messageId)) continue
    draft.held.delete(messageId)
    draft.items.push(cancelled ? { ...item, cancelled } : item)
  }
}

function applyTextDelta(draft: Draft, event: SessionEventOf<'text.delta'>): void {
  const { messageId, partId, delta } = event.data
  const index = draft.partIndex.get(partId)
  const existing = index === undefined ? undefined : draft.items[index]
  if (existing === undefined) {
    upsertPart(draft, partId, {
      kind: 'text',
      key: partId,
      seq: event.seq,
      messageId,
      partId,
      text: delta,
      done: false,
    })
    return
  }
  // After text.done the final text is authoritative; a late delta must not append to it.
  if (existing.kind !== 'text' || existing.done) return
  upsertPart(draft, partId, { ...existing, text: existing.text + delta })
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

/** Replaces the part's item where it first appeared (keeping that position and seq), or appends it. */
function upsertPart(draft: Draft, partId: string, item: TimelineItem): void {
  const index = draft.partIndex.get(partId)
  if (index === undefined) {
    draft.partIndex.set(partId, draft.items.length)
    draft.items.push(item)
    return
  }
  const previous = draft.items[index]
  draft.items[index] = previous ? { ...item, seq: previous.seq } : item
}

/** The session's totals over every assistant message's latest usage report. */
export function totalUsage(usage: Readonly<Record<string, Usage>>): { tokens: number; costUsd: number } {
  let tokens = 0
  let costUsd = 0
  for (const report of Object.values(usage)) {
    tokens += report.inputTokens + report.outputTokens + report.reasoningTokens
    costUsd += report.costUsd
  }
  return { tokens, costUsd }
}

/**
 * A timeline as JSON carries it (`GET /api/sessions/:id/timeline`). The two maps travel as what they are built
 * from: `partIndex` is rebuilt from the items, `held` is a list in the order the messages were held.
 */
export type TimelineDocument = Omit<TimelineState, 'items' | 'partIndex' | 'held'> & {
  items: TimelineItem[]
  held: UserItem[]
}

export function toTimelineDocument(state: TimelineState): TimelineDocument {
  const { partIndex: _, items, held, ...rest } = state
  return { ...rest, items: [...items], held: [...held.values()] }
}

/** The timeline a document holds; throws when it is not one (the caller then replays the log instead). */
export function fromTimelineDocument(document: unknown): TimelineState {
  const candidate = document as Partial<TimelineDocument> | null
  if (
    typeof candidate?.lastSeq !== 'number' ||
    !Array.isArray(candidate.items) ||
    !Array.isArray(candidate.held)
  )
    throw new Error('the session timeline is not a timeline document')
  const { held, ...rest } = candidate as TimelineDocument
  const partIndex = new Map<string, number>()
  for (const [index, item] of rest.items.entries())
    if (item.kind === 'text' || item.kind === 'reasoning' || item.kind === 'tool')
      partIndex.set(item.partId, index)
  return { ...rest, partIndex, held: new Map(held.map((item) => [item.messageId, item])) }
}
