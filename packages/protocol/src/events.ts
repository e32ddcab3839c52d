import { z } from 'zod'
import { MessageMode, SessionStatus } from './session.ts'

/**
 * The session event vocabulary: every event in a session's log is defined here, once. The server stores them
 * with a per-session sequence and streams them over SSE; the runner produces the agent's share of them.
 */
function defineEvent<T extends string, D extends z.ZodType>(type: T, data: D) {
  return z.object({ type: z.literal(type), data })
}

export const BootStep = z.enum(['sandbox.created', 'runner.connected', 'agent.started', 'agent.ready'])
export type BootStep = z.output<typeof BootStep>

export const ToolStatus = z.enum(['pending', 'running', 'completed', 'error'])
export type ToolStatus = z.output<typeof ToolStatus>

export const AgentStatus = z.enum(['busy', 'idle', 'retry'])
export type AgentStatus = z.output<typeof AgentStatus>

export const Author = z.object({ id: z.string(), name: z.string() })

export const QueuedMessage = z.object({ messageId: z.string(), text: z.string(), mode: MessageMode })
export type QueuedMessage = z.output<typeof QueuedMessage>

export const Todo = z.object({ content: z.string(), status: z.string(), priority: z.string() })

export const ChangedFile = z.object({
  path: z.string(),
  additions: z.number().int().nonnegative(),
  deletions: z.number().int().nonnegative(),
  status: z.enum(['added', 'deleted', 'modified']).optional(),
  /** Unified diff of the file, when the agent reported one. */
  patch: z.string().optional(),
})
export type ChangedFile = z.output<typeof ChangedFile>

// --- Produced by the server -----------------------------------------------------------------------------------

export const SessionStatusEvent = defineEvent(
  'session.status',
  z.object({ status: SessionStatus, reason: z.string().optional() }),
)
export const SessionProgressEvent = defineEvent(
  'session.progress',
  z.object({ step: BootStep, detail: z.string().optional() }),
)
export const UserMessageEvent = defineEvent(
  'message.user',
  z.object({ messageId: z.string(), text: z.string(), mode: MessageMode, author: Author }),
)
export const QueueUpdatedEvent = defineEvent('queue.updated', z.object({ queue: z.array(QueuedMessage) }))
/** A queued message's text was changed before the agent took it; a `queue.updated` follows. */
export const MessageEditedEvent = defineEvent(
  'message.edited',
  z.object({ messageId: z.string(), text: z.string(), author: Author }),
)
/** A queued message was removed before the agent took it: it is never sent; a `queue.updated` follows. */
export const MessageCancelledEvent = defineEvent(
  'message.cancelled',
  z.object({ messageId: z.string(), author: Author }),
)
/** The sandbox hit one of its resource limits (the kernel killed a process, refused a fork or a write). */
export const SandboxLimitEvent = defineEvent(
  'sandbox.limit',
  z.object({ limit: z.enum(['memory', 'pids', 'disk']), message: z.string() }),
)

// --- Produced by the runner (the agent's work) ---------------------------------------------------------------

export const AgentStatusEvent = defineEvent(
  'agent.status',
  z.object({ status: AgentStatus, message: z.string().optional() }),
)
export const AgentReadyEvent = defineEvent('agent.ready', z.object({ agentVersion: z.string() }))
export const AgentRestartedEvent = defineEvent(
  'agent.restarted',
  z.object({ reason: z.string(), attempt: z.number().int().positive() }),
)
export const AgentErrorEvent = defineEvent(
  'agent.error',
  z.object({ kind: z.string(), message: z.string(), messageId: z.string().optional() }),
)
export const TextDeltaEvent = defineEvent(
  'text.delta',
  z.object({ messageId: z.string(), partId: z.string(), delta: z.string() }),
)
export const TextDoneEvent = defineEvent(
  'text.done',
  z.object({ messageId: z.string(), partId: z.string(), text: z.string() }),
)
export const ReasoningDoneEvent = defineEvent(
  'reasoning.done',
  z.object({ messageId: z.string(), partId: z.string(), text: z.string() }),
)
export const ToolUpdatedEvent = defineEvent(
  'tool.updated',
  z.object({
    messageId: z.string(),
    partId: z.string(),
    callId: z.string(),
    tool: z.string(),
    status: ToolStatus,
    title: z.string().optional(),
    input: z.record(z.string(), z.unknown()).optional(),
    output: z.string().optional(),
    error: z.string().optional(),
  }),
)
export const FilesChangedEvent = defineEvent('files.changed', z.object({ files: z.array(ChangedFile) }))
export const TodosUpdatedEvent = defineEvent('todos.updated', z.object({ todos: z.array(Todo) }))
export const UsageEvent = defineEvent(
  'usage',
  z.object({
    messageId: z.string(),
    inputTokens: z.number().nonnegative(),
    outputTokens: z.number().nonnegative(),
    reasoningTokens: z.number().nonnegative(),
    cacheReadTokens: z.number().nonnegative(),
    cacheWriteTokens: z.number().nonnegative(),
    costUsd: z.number().nonnegative(),
  }),
)
export const PermissionAnsweredEvent = defineEvent(
  'permission.answered',
  z.object({
    requestId: z.string(),
    permission: z.string(),
    patterns: z.array(z.string()),
    reply: z.enum(['once', 'always', 'reject']),
    by: z.literal('policy'),
  }),
)
export const QuestionAnsweredEvent = defineEvent(
  'question.answered',
  z.object({
    requestId: z.string(),
    questions: z.array(z.string()),
    reply: z.literal('rejected'),
    by: z.literal('policy'),
  }),
)

export const agentEventSchemas = [
  AgentStatusEvent,
  AgentReadyEvent,
  AgentRestartedEvent,
  AgentErrorEvent,
  TextDeltaEvent,
  TextDoneEvent,
  ReasoningDoneEvent,
  ToolUpdatedEvent,
  FilesChangedEvent,
  TodosUpdatedEvent,
  UsageEvent,
  PermissionAnsweredEvent,
  QuestionAnsweredEvent,
] as const

/** An event as the runner produces it: no sequence yet. */
export const AgentEvent = z.discriminatedUnion('type', agentEventSchemas)
export type AgentEvent = z.output<typeof AgentEvent>

export const SessionEventBody = z.discriminatedUnion('type', [
  SessionStatusEvent,
  SessionProgressEvent,
  UserMessageEvent,
  QueueUpdatedEvent,
  MessageEditedEvent,
  MessageCancelledEvent,
  SandboxLimitEvent,
  ...agentEventSchemas,
])
export type SessionEventBody = z.output<typeof SessionEventBody>
export type SessionEventType = SessionEventBody['type']
/** Every event type in the vocabulary, for a cheap check of a stream's events (see the SDK's follower). */
export type SessionEventOf<T extends SessionEventType> = Extract<SessionEvent, { type: T }>

/** An event as stored and streamed: `seq` is the per-session sequence (the SSE `id:`). */
export const SessionEvent = z
  .intersection(SessionEventBody, z.object({ seq: z.number().int().positive(), at: z.string().datetime() }))
  .meta({ id: 'SessionEvent' })
export type SessionEvent = z.output<typeof SessionEvent>

/**
 * A session's stored events after a sequence, in order, as one document (`GET /api/sessions/:id/log`): what the
 * event stream would replay before its live events, for a viewer that wants the backlog at once. Text deltas that
 * a later `text.done` of the same part supersedes may be left out (never a part's first event, which places it):
 * folding the document gives the same timeline as folding every event. The last event is the log's last.
 */
export const SessionLog = z.object({ events: z.array(SessionEvent) }).meta({ id: 'SessionLog' })
export type SessionLog = z.output<typeof SessionLog>

/**
 * `GET /api/sessions/:id/timeline`: the stored log folded into the timeline the web app shows, at `lastSeq`; a
 * viewer folds the events after it onto this. timeline.ts is the fold and holds the items' exact types.
 */
export const SessionTimeline = z
  .object({
    lastSeq: z.number().int(),
    status: SessionStatus.nullable(),
    statusReason: z.string().nullable(),
    agentStatus: AgentStatus.nullable(),
    queue: z.array(QueuedMessage),
    todos: z.array(Todo),
    changedFiles: z.array(ChangedFile),
    /** The latest usage report per assistant message. */
    usage: z.record(z.string(), UsageEvent.shape.data.omit({ messageId: true })),
    /** What the timeline shows, in order: messages, text, tool calls, status changes... (`kind` says which). */
    items: z.array(z.looseObject({ kind: z.string(), key: z.string(), seq: z.number().int() })),
    /** User messages still in the queue; each enters `items` when the agent takes it. */
    held: z.array(z.looseObject({ kind: z.literal('user'), key: z.string(), messageId: z.string() })),
  })
  .meta({ id: 'SessionTimeline' })
