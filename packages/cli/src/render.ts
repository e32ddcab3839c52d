import type { SessionEvent, SessionEventOf } from '@agent-ops/protocol'

/**
 * Human rendering of a session's event log, as a pure fold: `renderEvent(state, event)` returns the text to
 * write (possibly part of a line: assistant text streams inline) and the next state.
 */
export interface RenderState {
  /** Assistant text printed so far, per part, so text.done prints only what the deltas missed. */
  readonly parts: Readonly<Record<string, { printed: string; done: boolean }>>
  /** The part whose text is on the current line: anything else must start on a new line first. */
  readonly openPart: string | null
  /** Tool parts already reported, so repeated final updates print once. */
  readonly reportedTools: Readonly<Record<string, true>>
  /** Usage of the current turn per assistant message (the latest report wins), printed when the turn ends. */
  readonly turnUsage: Readonly<Record<string, UsageData>>
}

type UsageData = SessionEventOf<'usage'>['data']

export interface Rendered {
  state: RenderState
  output: string
}

export const toolOutputMaxLines = 10
const lineMaxChars = 200

export const initialRenderState: RenderState = { parts: {}, openPart: null, reportedTools: {}, turnUsage: {} }

export function renderEvent(state: RenderState, event: SessionEvent): Rendered {
  switch (event.type) {
    case 'text.delta':
      return renderDelta(state, event)
    case 'text.done':
      return renderTextDone(state, event)
    case 'tool.updated':
      return renderTool(state, event)
    case 'usage':
      return {
        state: { ...state, turnUsage: { ...state.turnUsage, [event.data.messageId]: event.data } },
        output: '',
      }
    default: {
      if (endsTurn(event) && Object.keys(state.turnUsage).length > 0) {
        const rest = renderEvent({ ...state, turnUsage: {} }, event)
        return { state: rest.state, output: closeLine(state) + formatUsage(state.turnUsage) + rest.output }
      }
      const lines = describe(event)
      if (lines.length === 0) return { state, output: '' }
      return { state: { ...state, openPart: null }, output: closeLine(state) + lines.join('\n') + '\n' }
    }
  }
}

/** What to write when output stops, so the shell prompt does not land after streamed text. */
export function finishOutput(state: RenderState): string {
  return closeLine(state)
}

function closeLine(state: RenderState): string {
  if (state.openPart === null) return ''
  const printed = state.parts[state.openPart]?.printed ?? ''
  return printed === '' || printed.endsWith('\n') ? '' : '\n'
}

function renderDelta(state: RenderState, event: SessionEventOf<'text.delta'>): Rendered {
  const { partId, delta } = event.data
  const part = state.parts[partId] ?? { printed: '', done: false }
  if (part.done || delta === '') return { state, output: '' }
  const prefix = state.openPart === partId ? '' : closeLine(state)
  return {
    state: {
      ...state,
      openPart: partId,
      parts: { ...state.parts, [partId]: { printed: part.printed + delta, done: false } },
    },
    output: prefix + delta,
  }
}

function renderTextDone(state: RenderState, event: SessionEventOf<'text.done'>): Rendered {
  const { partId, text } = event.data
  const part = state.parts[partId] ?? { printed: '', done: false }
  if (part.done) return { state, output: '' }
  const parts = { ...state.parts, [partId]: { printed: text, done: true } }
  // What the deltas missed; null when the final text is not a continuation of them (then print it whole).
  const missing = text.startsWith(part.printed) ? text.slice(part.printed.length) : null
  const onItsLine = state.openPart === partId
  if (!onItsLine && missing === '') return { state: { ...state, parts }, output: '' }
  let output = onItsLine ? (missing ?? `\n${text}`) : closeLine(state) + (missing ?? text)
  const lineSoFar = onItsLine && output === '' ? part.printed : output
  if (!lineSoFar.endsWith('\n')) output += '\n'
  return { state: { ...state, parts, openPart: null }, output }
}

function renderTool(state: RenderState, event: SessionEventOf<'tool.updated'>): Rendered {
  const { partId, status, tool, error, output } = event.data
  if ((status !== 'completed' && status !== 'error') || state.reportedTools[partId])
    return { state, output: '' }
  const lines =
    status === 'completed'
      ? [
          `✓ ${tool}  ${describeToolCall(event.data)}`.trimEnd(),
          ...indent(outputShown(tool) ? (output ?? '') : ''),
        ]
      : [`✗ ${tool}  ${firstLine(error ?? 'failed')}`, ...indent(restLines(error ?? ''))]
  return {
    state: { ...state, openPart: null, reportedTools: { ...state.reportedTools, [partId]: true } },
    output: closeLine(state) + lines.join('\n') + '\n',
  }
}

/** Todo tools echo the list as JSON; todos.updated already prints it readably. */
const outputShown = (tool: string) => tool !== 'todowrite' && tool !== 'todoread'

/** The agent went idle, or the session left `working`: the turn is over. */
function endsTurn(event: SessionEvent): boolean {
  if (event.type === 'agent.status') return event.data.status === 'idle'
  return event.type === 'session.status' && event.data.status !== 'working'
}

function formatUsage(byMessage: Readonly<Record<string, UsageData>>): string {
  const all = Object.values(byMessage)
  const sum = (pick: (usage: UsageData) => number) => all.reduce((total, usage) => total + pick(usage), 0)
  const input = sum((u) => u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens)
  const output = sum((u) => u.outputTokens + u.reasoningTokens)
  return `· turn: ${formatCount(input)} tokens in, ${formatCount(output)} out, ${formatUsd(sum((u) => u.costUsd))}\n`
}

/** The one-line summary of a tool call: the command for shells, else the title or the main argument. */
export function describeToolCall(data: SessionEventOf<'tool.updated'>['data']): string {
  const input = data.input ?? {}
  const command = input.command
  if (typeof command === 'string') return clip(oneLine(command), 120)
  if (data.title) return clip(oneLine(data.title), 120)
  for (const key of ['filePath', 'path', 'pattern', 'url', 'query']) {
    const value = input[key]
    if (typeof value === 'string') return clip(oneLine(value), 120)
  }
  return ''
}

function describe(event: SessionEvent): string[] {
  switch (event.type) {
    case 'session.status': {
      const { status, reason } = event.data
      if (status === 'failed') return [`✗ session failed${reason ? `: ${reason}` : ''}`]
      return [`· ${status}${reason ? ` (${reason})` : ''}`]
    }
    case 'session.progress':
      // The agent.ready event says the same, with the agent's version.
      if (event.data.step === 'agent.ready') return []
      return [`· ${event.data.step.replace('.', ' ')}${event.data.detail ? `: ${event.data.detail}` : ''}`]
    case 'message.user':
      return event.data.text
        .split('\n')
        .map((line, i) => (i === 0 && event.data.mode === 'steer' ? '>> ' : '> ') + line)
    case 'message.edited':
      return [`· ${event.data.author.name} edited a queued message`]
    case 'message.cancelled':
      return [`· ${event.data.author.name} removed a queued message`]
    case 'queue.updated': {
      const count = event.data.queue.length
      return count === 0 ? [] : [`· ${count} message${count === 1 ? '' : 's'} queued`]
    }
    case 'agent.status':
      return event.data.status === 'retry'
        ? [`· retrying${event.data.message ? `: ${event.data.message}` : ''}`]
        : []
    case 'agent.ready':
      return [`· agent ready (${event.data.agentVersion})`]
    case 'agent.restarted':
      return [`! agent restarted (attempt ${event.data.attempt}): ${event.data.reason}`]
    case 'agent.error':
      return [`✗ ${event.data.kind}: ${event.data.message}`]
    case 'files.changed':
      return event.data.files.map((file) => `· changed ${file.path} (+${file.additions} -${file.deletions})`)
    case 'todos.updated':
      return event.data.todos.map((todo) => `· [${todo.status === 'completed' ? 'x' : ' '}] ${todo.content}`)
    case 'permission.answered': {
      const { permission, patterns, reply } = event.data
      return [`· permission ${permission} ${patterns.join(' ')}`.trimEnd() + ` -> ${reply} (policy)`]
    }
    case 'question.answered':
      return [`· question rejected (policy): ${event.data.questions.join(' / ')}`]
    case 'reasoning.done':
      return []
    default:
      return []
  }
}

function indent(text: string): string[] {
  const lines = text.replace(/\n+$/, '').split('\n')
  if (lines.length === 1 && lines[0] === '') return []
  const shown = lines.slice(0, toolOutputMaxLines).map((line) => `    ${clip(line, lineMaxChars)}`)
  const hidden = lines.length - toolOutputMaxLines
  if (hidden > 0) shown.push(`    … ${hidden} more line${hidden === 1 ? '' : 's'}`)
  return shown
}

const firstLine = (text: string) => text.split('\n')[0] ?? ''
const restLines = (text: string) => text.split('\n').slice(1).join('\n')
const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ').trim()
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text)

export const formatCount = (n: number) => n.toLocaleString('en-US')
export const formatUsd = (usd: number) => `$${usd.toFixed(usd > 0 && usd < 0.01 ? 4 : 2)}`
