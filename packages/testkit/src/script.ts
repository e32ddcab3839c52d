// The script vocabulary and the pure decision "given this conversation, what does the model answer".
// Selection is stateless (derived from each request), so many sessions can share one server.

export type ToolCall = { name: string; arguments: Record<string, unknown> }

/** One model response. */
export type Step = {
  /** Assistant text, streamed in chunks (~4-8 chars each). */
  text?: string
  /** Tool calls in this response (finish_reason tool_calls / stop_reason tool_use). */
  toolCalls?: ToolCall[]
  /** Wait before the first chunk. */
  delayMs?: number
  /** Wait between chunks (a "long turn" = long text with chunkDelayMs). */
  chunkDelayMs?: number
  /** Answer with an HTTP error in the provider's error format. The conversation does not advance on an
   *  error, so a client's retry meets the same step again. */
  error?: { status: number; message: string }
}

/** A scripted exchange: answers to one user message. steps[i] answers the model call made after i
 *  assistant responses since that user message (step 0 = first call, step 1 = call after the first tool
 *  results, ...). Past the last step the model answers with the final text "Done." */
export type Exchange = { match: string | RegExp; steps: Step[] }

export type Script = { exchanges: Exchange[] }

/** What the scripted model needs to know about a request, whatever its wire format. */
export type Conversation = {
  /** Text of the last user message (all its text parts joined with "\n"); '' when there is none. */
  lastUserText: string
  /** Assistant messages after that user message. */
  assistantTurnsSinceUser: number
  /** Whether the request offers tools; requests without tools are auxiliary (titles, summaries). */
  hasTools: boolean
  /** The working directory OpenCode states in its system prompt, if any. */
  workspace: string | undefined
}

/** The answer to one request, fully resolved. */
export type Reply = {
  text: string
  toolCalls: ToolCall[]
  delayMs: number
  chunkDelayMs: number
  error: { status: number; message: string } | undefined
}

export const AUX_REPLY_TEXT = 'Scripted session'
export const PAST_LAST_STEP_TEXT = 'Done.'
/** Placeholder replaced, in step text and string tool arguments, by the workspace OpenCode reports. */
export const WORKSPACE_PLACEHOLDER = '$WORKSPACE'

/** OpenCode's system prompt carries "Working directory: /abs/path" in its environment block. */
const WORKING_DIRECTORY_LINE = /^\s*Working directory:\s*(\S.*?)\s*$/m

export function findWorkspace(systemText: string): string | undefined {
  return WORKING_DIRECTORY_LINE.exec(systemText)?.[1]
}

export function matches(match: string | RegExp, text: string): boolean {
  if (typeof match === 'string') return text.includes(match)
  match.lastIndex = 0 // a /g or /y RegExp keeps state between test() calls
  return match.test(text)
}

export function planReply(script: Script, conversation: Conversation): Reply {
  const plain = (text: string): Reply => ({
    text,
    toolCalls: [],
    delayMs: 0,
    chunkDelayMs: 0,
    error: undefined,
  })
  if (!conversation.hasTools) return plain(AUX_REPLY_TEXT)
  const exchange = script.exchanges.find((e) => matches(e.match, conversation.lastUserText))
  if (!exchange) {
    return plain(`Scripted model: no script entry matches "${conversation.lastUserText.slice(0, 80)}"`)
  }
  const step = exchange.steps[conversation.assistantTurnsSinceUser]
  if (!step) return plain(PAST_LAST_STEP_TEXT)
  const workspace = conversation.workspace
  return {
    text: substituteWorkspace(step.text ?? '', workspace),
    toolCalls: (step.toolCalls ?? []).map((call) => ({
      name: call.name,
      arguments: substituteWorkspace(call.arguments, workspace),
    })),
    delayMs: step.delayMs ?? 0,
    chunkDelayMs: step.chunkDelayMs ?? 0,
    error: step.error,
  }
}

/** Replaces $WORKSPACE in every string inside `value`; leaves it in place when the workspace is unknown. */
export function substituteWorkspace<T>(value: T, workspace: string | undefined): T {
  if (workspace === undefined) return value
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return v.replaceAll(WORKSPACE_PLACEHOLDER, workspace)
    if (Array.isArray(v)) return v.map(walk)
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, walk(inner)]))
    }
    return v
  }
  return walk(value) as T
}

const CHUNK_SIZES = [4, 6, 8, 5, 7]

/** Splits text into chunks of 4-8 characters (whole code points), the way providers stream tokens. */
export function chunkText(text: string): string[] {
  const chars = Array.from(text)
  const chunks: string[] = []
  for (let at = 0, i = 0; at < chars.length; i++) {
    const size = CHUNK_SIZES[i % CHUNK_SIZES.length] ?? 6
    chunks.push(chars.slice(at, at + size).join(''))
    at += size
  }
  return chunks
}

/** Token estimate the providers' usage fields get: about four characters per token. */
export function estimateTokens(chars: number): number {
  return Math.max(1, Math.ceil(chars / 4))
}
