import type { SessionEvent, SessionEventBody } from '@agent-ops/protocol'
import { describe, expect, it } from 'vitest'
import { emptyTimeline, reduceEvents, reduceTimeline } from './reducer.ts'

const at = '2025-01-01T00:00:00.000Z'
/** Numbers the bodies 1..n, like the server's log. */
const log = (...bodies: SessionEventBody[]): SessionEvent[] =>
  bodies.map((body, i) => ({ ...body, seq: i + 1, at }) as SessionEvent)

const delta = (partId: string, text: string): SessionEventBody => ({
  type: 'text.delta',
  data: { messageId: 'm1', partId, delta: text },
})
const done = (partId: string, text: string): SessionEventBody => ({
  type: 'text.done',
  data: { messageId: 'm1', partId, text },
})
const tool = (status: 'running' | 'completed' | 'error', extra: object = {}): SessionEventBody => ({
  type: 'tool.updated',
  data: {
    messageId: 'm1',
    partId: 't1',
    callId: 'c1',
    tool: 'bash',
    status,
    input: { command: 'ls' },
    ...extra,
  },
})
const user = (text: string): SessionEventBody => ({
  type: 'message.user',
  data: { messageId: 'u1', text, mode: 'followup', author: { id: 'a1', name: 'admin' } },
})

describe('reduceTimeline', () => {
  it('appends text deltas per part and lets text.done replace the text', () => {
    const state = reduceEvents(
      emptyTimeline,
      log(delta('p1', 'Hel'), delta('p1', 'lo'), done('p1', 'Hello, world')),
    )
    expect(state.items).toEqual([
      { kind: 'text', key: 'p1', seq: 1, messageId: 'm1', partId: 'p1', text: 'Hello, world', done: true },
    ])
    expect(state.lastSeq).toBe(3)
  })

  it('ignores a delta that arrives after text.done', () => {
    const state = reduceEvents(emptyTimeline, log(done('p1', 'Final'), delta('p1', ' extra')))
    expect(state.items[0]).toMatchObject({ text: 'Final', done: true })
  })

  it('ignores duplicates and replays: seq at or below the last seen', () => {
    const events = log(user('hi'), delta('p1', 'a'), delta('p1', 'b'))
    const once = reduceEvents(emptyTimeline, events)
    const twice = reduceEvents(once, events)
    expect(twice).toBe(once)
    expect(twice.items.map((item) => item.kind)).toEqual(['user', 'text'])
    expect(twice.items[1]).toMatchObject({ text: 'ab' })
  })

  it('replaces a tool call by partId, keeping its place in the timeline', () => {
    const state = reduceEvents(
      emptyTimeline,
      log(
        tool('running'),
        delta('p2', 'after the tool'),
        tool('completed', { output: 'a.txt\n', title: 'List files' }),
      ),
    )
    expect(state.items.map((item) => item.key)).toEqual(['t1', 'p2'])
    expect(state.items[0]).toMatchObject({
      kind: 'tool',
      seq: 1,
      status: 'completed',
      output: 'a.txt\n',
      title: 'List files',
      input: { command: 'ls' },
    })
  })

  it('keeps parts in seq order and user messages where they came', () => {
    const state = reduceEvents(
      emptyTimeline,
      log(user('first'), delta('p1', 'one'), user('second'), delta('p2', 'two')),
    )
    expect(state.items.map((item) => item.kind)).toEqual(['user', 'text', 'user', 'text'])
    expect(state.items[2]).toMatchObject({ kind: 'user', text: 'second', author: 'admin', mode: 'followup' })
  })

  it('tracks status, queue and todos as current state', () => {
    const state = reduceEvents(
      emptyTimeline,
      log(
        { type: 'session.status', data: { status: 'working' } },
        { type: 'queue.updated', data: { queue: [{ messageId: 'u2', text: 'next', mode: 'followup' }] } },
        {
          type: 'todos.updated',
          data: { todos: [{ content: 'write tests', status: 'pending', priority: 'high' }] },
        },
        { type: 'session.status', data: { status: 'failed', reason: 'sandbox died' } },
        { type: 'agent.status', data: { status: 'idle' } },
      ),
    )
    expect(state.status).toBe('failed')
    expect(state.statusReason).toBe('sandbox died')
    expect(state.agentStatus).toBe('idle')
    expect(state.queue).toEqual([{ messageId: 'u2', text: 'next', mode: 'followup' }])
    expect(state.todos).toHaveLength(1)
    expect(state.items.filter((item) => item.kind === 'status')).toHaveLength(2)
  })

  it('records errors, restarts and permission answers as items, usage per message', () => {
    const state = reduceEvents(
      emptyTimeline,
      log(
        { type: 'agent.error', data: { kind: 'provider', message: 'rate limited' } },
        { type: 'agent.restarted', data: { reason: 'crashed', attempt: 2 } },
        {
          type: 'permission.answered',
          data: { requestId: 'r1', permission: 'bash', patterns: ['rm *'], reply: 'reject', by: 'policy' },
        },
        {
          type: 'usage',
          data: {
            messageId: 'm1',
            inputTokens: 100,
            outputTokens: 20,
            reasoningTokens: 5,
            cacheReadTokens: 0,
            cacheWriteTokens: 0,
            costUsd: 0.01,
          },
        },
      ),
    )
    expect(state.items).toMatchObject([
      { kind: 'error', errorKind: 'provider', message: 'rate limited' },
      { kind: 'restart', attempt: 2 },
      { kind: 'permission', permission: 'bash', reply: 'reject' },
    ])
    expect(state.usage).toEqual({
      m1: {
        inputTokens: 100,
        outputTokens: 20,
        reasoningTokens: 5,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        costUsd: 0.01,
      },
    })
  })

  it('does not mutate the previous state', () => {
    const before = reduceEvents(emptyTimeline, log(delta('p1', 'a')))
    const snapshot = structuredClone(before)
    reduceTimeline(before, { ...(delta('p1', 'b') as SessionEvent), seq: 2, at })
    expect(before).toEqual(snapshot)
  })
})
