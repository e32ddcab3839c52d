import type { SessionEvent, SessionEventBody } from '@agent-ops/protocol'
import { describe, expect, it } from 'vitest'
import { finishOutput, initialRenderState, type RenderState, renderEvent } from './render.ts'

let seq = 0
const at = '2025-01-01T00:00:00.000Z'
const ev = (body: SessionEventBody): SessionEvent => ({ ...body, seq: ++seq, at }) as SessionEvent

function renderAll(bodies: SessionEventBody[]): string {
  let state: RenderState = initialRenderState
  let out = ''
  for (const body of bodies) {
    const rendered = renderEvent(state, ev(body))
    state = rendered.state
    out += rendered.output
  }
  return out + finishOutput(state)
}

const delta = (partId: string, text: string): SessionEventBody => ({
  type: 'text.delta',
  data: { messageId: 'm1', partId, delta: text },
})
const done = (partId: string, text: string): SessionEventBody => ({
  type: 'text.done',
  data: { messageId: 'm1', partId, text },
})

const usage = (
  messageId: string,
  inputTokens: number,
  outputTokens: number,
  costUsd: number,
): SessionEventBody => ({
  type: 'usage',
  data: {
    messageId,
    inputTokens,
    outputTokens,
    reasoningTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd,
  },
})

describe('renderEvent', () => {
  it('streams deltas inline and prints only what text.done adds', () => {
    expect(renderAll([delta('p1', 'Hel'), delta('p1', 'lo'), done('p1', 'Hello world')])).toBe(
      'Hello world\n',
    )
  })

  it('prints the whole final text when no delta came', () => {
    expect(renderAll([done('p1', 'All done.')])).toBe('All done.\n')
  })

  it('ends a streamed line before other output, and on done prints only what is missing', () => {
    const interrupted = (final: string) =>
      renderAll([
        delta('p1', 'Working'),
        {
          type: 'todos.updated',
          data: { todos: [{ content: 'plan', status: 'pending', priority: 'high' }] },
        },
        done('p1', final),
      ])
    expect(interrupted('Working')).toBe('Working\n· [ ] plan\n')
    expect(interrupted('Working on it')).toBe('Working\n· [ ] plan\n on it\n')
  })

  it('prints the final text whole when it is not a continuation of the deltas', () => {
    expect(renderAll([delta('p1', 'Draft'), done('p1', 'Final answer')])).toBe('Draft\nFinal answer\n')
  })

  it('ignores deltas and repeats after a part is done', () => {
    expect(renderAll([done('p1', 'Hi'), delta('p1', 'late'), done('p1', 'Hi')])).toBe('Hi\n')
  })

  it('prints a tool call once, when it completes, with output indented and truncated', () => {
    const output = Array.from({ length: 14 }, (_, i) => `line ${i + 1}`).join('\n')
    const tool = (status: 'running' | 'completed'): SessionEventBody => ({
      type: 'tool.updated',
      data: {
        messageId: 'm1',
        partId: 't1',
        callId: 'c1',
        tool: 'bash',
        status,
        title: 'Create the demo folder',
        input: { command: 'mkdir -p demo' },
        ...(status === 'completed' ? { output } : {}),
      },
    })
    const lines = renderAll([tool('running'), tool('completed'), tool('completed')]).split('\n')
    expect(lines[0]).toBe('✓ bash  mkdir -p demo')
    expect(lines.slice(1, 11)).toEqual(Array.from({ length: 10 }, (_, i) => `    line ${i + 1}`))
    expect(lines[11]).toBe('    … 4 more lines')
    expect(lines).toHaveLength(13) // the trailing newline
  })

  it('prints a failed tool with its error, using the title when there is no command', () => {
    const out = renderAll([
      {
        type: 'tool.updated',
        data: {
          messageId: 'm1',
          partId: 't2',
          callId: 'c2',
          tool: 'edit',
          status: 'error',
          error: 'oldString not found',
        },
      },
      {
        type: 'tool.updated',
        data: {
          messageId: 'm1',
          partId: 't3',
          callId: 'c3',
          tool: 'read',
          status: 'completed',
          title: 'src/app.ts',
          input: { filePath: '/w/src/app.ts' },
        },
      },
    ])
    expect(out).toBe('✗ edit  oldString not found\n✓ read  src/app.ts\n')
  })

  it('renders user messages, status, usage and skips noise', () => {
    const out = renderAll([
      { type: 'session.progress', data: { step: 'sandbox.created' } },
      { type: 'session.progress', data: { step: 'agent.ready' } },
      { type: 'agent.ready', data: { agentVersion: '1.2.3' } },
      { type: 'session.status', data: { status: 'ready' } },
      {
        type: 'message.user',
        data: {
          messageId: 'u1',
          text: 'make a demo\nplease',
          mode: 'followup',
          author: { id: 'a', name: 'admin' },
        },
      },
      { type: 'agent.status', data: { status: 'busy' } },
      { type: 'queue.updated', data: { queue: [] } },
      usage('m1', 1000, 30, 0.004),
      usage('m1', 1200, 34, 0.0042), // a later report for the same message replaces the earlier one
      usage('m2', 800, 10, 0.001),
      { type: 'agent.status', data: { status: 'idle' } },
      { type: 'session.status', data: { status: 'failed', reason: 'sandbox died' } },
    ])
    expect(out).toBe(
      [
        '· sandbox created',
        '· agent ready (1.2.3)',
        '· ready',
        '> make a demo',
        '> please',
        '· turn: 2,000 tokens in, 44 out, $0.0052',
        '✗ session failed: sandbox died',
        '',
      ].join('\n'),
    )
  })
})
