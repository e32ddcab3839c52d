import type { AgentEvent, ChangedFile, ToolStatus } from '@agent-ops/protocol'
import type { Message, Part, SnapshotFileDiff, ToolPart } from '@opencode-ai/sdk/v2/client'
import type { BridgeState, PartMemo } from './bridge-state.ts'

/**
 * OpenCode parts and messages -> agent events, shared by the live bridge and the reconciliation, so both
 * emit the same final states and neither repeats what the other sent.
 */

/** Tool output and long tool input strings are cut here (the event log is not a file store). */
export const TOOL_TEXT_MAX_CHARS = 64 * 1024

const toolRank: Record<ToolStatus, number> = { pending: 0, running: 1, completed: 2, error: 2 }

function memoOf(state: BridgeState, part: Part, kind: PartMemo['kind']): PartMemo {
  let memo = state.parts.get(part.id)
  if (!memo) {
    memo = { kind, messageId: part.messageID, sentChars: 0, done: false }
    state.parts.set(part.id, memo)
  }
  return memo
}

/** A message an earlier runner reported (see BridgeState.reportedThrough). */
const reportedEarlier = (state: BridgeState, messageId: string) =>
  state.reportedThrough !== undefined && messageId <= state.reportedThrough

/**
 * `live`: a message.part.updated from the stream (text that grew is sent as a delta).
 * `final`: reconciliation from GET /session/:id/message (only final states).
 */
export function mapPart(state: BridgeState, part: Part, mode: 'live' | 'final'): AgentEvent[] {
  if (reportedEarlier(state, part.messageID)) return []
  switch (part.type) {
    case 'text': {
      // The user's own message is logged by the server; unknown roles wait for reconciliation.
      if (state.roles.get(part.messageID) !== 'assistant' || part.ignored) return []
      const memo = memoOf(state, part, 'text')
      if (memo.done) return []
      const events: AgentEvent[] = []
      const ids = { messageId: part.messageID, partId: part.id }
      const finished = part.time?.end !== undefined
      // Older OpenCode versions stream by updating the whole part; send what grew.
      if (mode === 'live' && !finished && part.text.length > memo.sentChars) {
        events.push({ type: 'text.delta', data: { ...ids, delta: part.text.slice(memo.sentChars) } })
        memo.sentChars = part.text.length
      }
      if (finished) {
        events.push({ type: 'text.done', data: { ...ids, text: part.text } })
        memo.done = true
      }
      return events
    }
    case 'reasoning': {
      const memo = memoOf(state, part, 'reasoning')
      if (memo.done || part.time.end === undefined) return []
      memo.done = true
      return [
        { type: 'reasoning.done', data: { messageId: part.messageID, partId: part.id, text: part.text } },
      ]
    }
    case 'tool':
      return mapToolPart(state, part)
    default:
      memoOf(state, part, 'other')
      return []
  }
}

function mapToolPart(state: BridgeState, part: ToolPart): AgentEvent[] {
  const memo = memoOf(state, part, 'tool')
  const status = part.state.status
  // Status only moves forward: a stale update read after a reconciliation must not roll it back.
  if (memo.toolStatus !== undefined && toolRank[status] <= toolRank[memo.toolStatus]) return []
  memo.toolStatus = status
  const s = part.state
  const data: Extract<AgentEvent, { type: 'tool.updated' }>['data'] = {
    messageId: part.messageID,
    partId: part.id,
    callId: part.callID,
    tool: part.tool,
    status,
    input: truncateInput(s.input),
  }
  if ((s.status === 'running' || s.status === 'completed') && s.title) data.title = s.title
  if (s.status === 'completed') data.output = truncateText(s.output)
  if (s.status === 'error') data.error = truncateText(s.error)
  return [{ type: 'tool.updated', data }]
}

export function truncateText(text: string, maxChars = TOOL_TEXT_MAX_CHARS): string {
  if (text.length <= maxChars) return text
  return `${text.slice(0, maxChars)}\n[truncated: ${text.length - maxChars} of ${text.length} characters not shown]`
}

function truncateInput(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(input))
    out[key] = typeof value === 'string' ? truncateText(value) : value
  return out
}

/** message.updated (live or reconciled): roles, usage and errors of assistant messages, the turn's diff. */
export function mapMessage(state: BridgeState, info: Message): AgentEvent[] {
  if (reportedEarlier(state, info.id)) return []
  state.roles.set(info.id, info.role)
  if (info.role === 'user') return info.summary ? mapDiff(state, info.summary.diffs) : []
  const events: AgentEvent[] = []
  if (info.error && !state.errorSent.has(info.id)) {
    state.errorSent.add(info.id)
    const error = describeError(info.error)
    // A session.error already reported this failure for the turn.
    if (!state.turnErrors.has(errorKey(error))) events.push({ type: 'agent.error', data: error })
  }
  if (info.time.completed !== undefined && !state.usageSent.has(info.id)) {
    state.usageSent.add(info.id)
    const data = {
      messageId: info.id,
      inputTokens: nonNegative(info.tokens.input),
      outputTokens: nonNegative(info.tokens.output),
      reasoningTokens: nonNegative(info.tokens.reasoning),
      cacheReadTokens: nonNegative(info.tokens.cache.read),
      cacheWriteTokens: nonNegative(info.tokens.cache.write),
      costUsd: nonNegative(info.cost),
    }
    // A message that failed before the model answered used nothing: no news.
    const used = Object.values(data).some((value) => typeof value === 'number' && value > 0)
    if (used) events.push({ type: 'usage', data })
  }
  return events
}

/**
 * session.diff and a user message's summary both describe changed files; an empty list is not news (this
 * OpenCode version sends `session.diff` with [] at every step) and an unchanged list is not repeated.
 */
export function mapDiff(state: BridgeState, diffs: SnapshotFileDiff[]): AgentEvent[] {
  const files: ChangedFile[] = []
  for (const diff of diffs) {
    if (!diff.file) continue
    const file: ChangedFile = {
      path: diff.file,
      additions: Math.max(0, Math.round(diff.additions)),
      deletions: Math.max(0, Math.round(diff.deletions)),
    }
    if (diff.status) file.status = diff.status
    if (diff.patch) file.patch = diff.patch
    files.push(file)
  }
  if (files.length === 0) return []
  const signature = JSON.stringify(files.map((f) => [f.path, f.additions, f.deletions, f.status]))
  if (signature === state.filesSignature) return []
  state.filesSignature = signature
  return [{ type: 'files.changed', data: { files } }]
}

export type ErrorLike = { name?: string; data?: { message?: unknown } }

/** OpenCode's named errors -> agent.error; an abort is reported as kind 'aborted'. */
export function describeError(error: ErrorLike | undefined): { kind: string; message: string } {
  const name = error?.name ?? 'UnknownError'
  const message = typeof error?.data?.message === 'string' ? error.data.message : name
  return { kind: name === 'MessageAbortedError' ? 'aborted' : name, message }
}

export const errorKey = (error: { kind: string; message: string }) => `${error.kind}: ${error.message}`

const nonNegative = (value: number | undefined) => (value !== undefined && value > 0 ? value : 0)
