import { describe, expect, it } from 'vitest'
import type { SessionEvent, SessionEventBody } from './index.ts'
import {
  emptyTimeline,
  fromTimelineDocument,
  reduceEvents,
  reduceTimeline,
  toTimelineDocument,
  totalUsage,
} from './timeline.ts'

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
const tool = (
  status: 'pending' | 'running' | 'completed' | 'error',
  extra: object = {},
  partId = 't1',
): SessionEventBody => ({
  type: 'tool.updated',
  data: {
    messageId: 'm1',
    partId,
    callId: `c-${partId}`,
    tool: 'bash',
    status,
    input: { command: 'ls' },
    ...extra,
  },
})
const user = (
  messageId: string,
  text: string,
  mode: 'followup' | 'steer' = 'followup',
): SessionEventBody => ({
  type: 'message.user',
  data: { messageId, text, mode, author: { id: 'a1', name: 'admin' } },
})
const queue = (...ids: string[]): SessionEventBody => ({
  type: 'queue.updated',
  data: {
    queue: ids.map((messageId) => ({ messageId, text: `text of ${messageId}`, mode: 'followup' as const })),
  },
})
const status = (value: 'ready' | 'working' | 'stopping' | 'stopped' | 'failed', reason?: string) =>
  ({
    type: 'session.status',
    data: reason ? { status: value, reason } : { status: value },
  }) as SessionEventBody
/** A user message as the server logs it: the message, then the queue holding it, then the dispatch. */
const sent = (messageId: string, text: string): SessionEventBody[] => [
  user(messageId, text),
  queue(messageId),
  queue(),
]

describe('text deltas', () => {
  it('appends deltas per part and lets text.done replace the text', () => {
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

  it('keeps interleaved parts apart', () => {
    const state = reduceEvents(
      emptyTimeline,
      log(delta('p1', 'a'), delta('p2', 'x'), delta('p1', 'b'), delta('p2', 'y'), done('p1', 'ab')),
    )
    expect(state.items).toMatchObject([
      { partId: 'p1', text: 'ab', done: true },
      { partId: 'p2', text: 'xy', done: false },
    ])
  })
})

describe('ordering', () => {
  it('keeps parts where they first appeared, in seq order', () => {
    const state = reduceEvents(
      emptyTimeline,
      log(...sent('u1', 'first'), delta('p1', 'one'), tool('running'), delta('p2', 'two'), tool('completed')),
    )
    expect(state.items.map((item) => item.key)).toEqual(['e1', 'p1', 't1', 'p2'])
    expect(state.items.map((item) => item.seq)).toEqual([1, 4, 5, 6])
  })

  it('shows a queued message once: in the queue until the agent takes it, then in the timeline after the turn', () => {
    const events = log(
      ...sent('u1', 'first'),
      delta('p1', 'working on it'),
      user('u2', 'second'),
      queue('u2'),
      done('p1', 'working on it, done'),
      status('ready'),
      queue(),
      delta('p2', 'answer to second'),
    )
    const whileQueued = reduceEvents(emptyTimeline, events.slice(0, 6))
    expect(whileQueued.queue.map((queued) => queued.messageId)).toEqual(['u2'])
    expect(whileQueued.items.filter((item) => item.kind === 'user')).toHaveLength(1)

    const state = reduceEvents(emptyTimeline, events)
    expect(state.queue).toEqual([])
    expect(state.items.filter((item) => item.kind !== 'status').map((item) => item.key)).toEqual([
      'e1',
      'p1',
      'e5',
      'p2',
    ])
    expect(state.items.find((item) => item.key === 'e5')).toMatchObject({
      kind: 'user',
      text: 'second',
      cancelled: false,
    })
  })

  it('marks queued messages dropped by a stop as not sent', () => {
    const state = reduceEvents(
      emptyTimeline,
      log(user('u1', 'never sent'), queue('u1'), status('stopping'), queue()),
    )
    expect(state.items.find((item) => item.kind === 'user')).toMatchObject({
      text: 'never sent',
      cancelled: true,
    })
  })
})

const edited = (messageId: string, text: string): SessionEventBody => ({
  type: 'message.edited',
  data: { messageId, text, author: { id: 'a2', name: 'bea' } },
})
const cancelled = (messageId: string): SessionEventBody => ({
  type: 'message.cancelled',
  data: { messageId, author: { id: 'a2', name: 'bea' } },
})

describe('queue edits', () => {
  it('shows an edited message with the text the agent got, marked as edited', () => {
    const events = log(user('u1', 'frist'), queue('u1'), edited('u1', 'first'), queue('u1'), queue())
    const whileQueued = reduceEvents(emptyTimeline, events.slice(0, 3))
    expect(whileQueued.queue).toEqual([{ messageId: 'u1', text: 'first', mode: 'followup' }])
    expect(whileQueued.items).toEqual([])

    const state = reduceEvents(emptyTimeline, events)
    expect(state.queue).toEqual([])
    expect(state.items).toEqual([
      expect.objectContaining({ kind: 'user', key: 'e1', text: 'first', edited: true, cancelled: false }),
    ])
  })

  it('never puts a removed message in the timeline, and keeps the rest of the queue in order', () => {
    const events = log(
      user('u1', 'one'),
      queue('u1'),
      user('u2', 'two'),
      queue('u1', 'u2'),
      cancelled('u1'),
      queue('u2'),
      queue(),
    )
    const afterCancel = reduceEvents(emptyTimeline, events.slice(0, 5))
    expect(afterCancel.queue.map((queued) => queued.messageId)).toEqual(['u2'])
    const state = reduceEvents(emptyTimeline, events)
    expect(state.items.map((item) => item.kind === 'user' && item.text)).toEqual(['two'])
  })

  it('gives the same state event by event as in one batch (a reload replays the same log)', () => {
    const events = log(user('u1', 'a'), queue('u1'), edited('u1', 'b'), queue('u1'), cancelled('u1'), queue())
    const oneByOne = events.reduce(reduceTimeline, emptyTimeline)
    const batch = reduceEvents(emptyTimeline, events)
    expect(oneByOne.items).toEqual(batch.items)
    expect(oneByOne.queue).toEqual(batch.queue)
    expect(batch.items).toEqual([])
  })
})

describe('tool status transitions', () => {
  it('replaces a tool call by partId through pending, running and completed, keeping its place', () => {
    const state = reduceEvents(
      emptyTimeline,
      log(
        tool('pending'),
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

  it('records a failed call with its error', () => {
    const state = reduceEvents(emptyTimeline, log(tool('running'), tool('error', { error: 'exit 1' })))
    expect(state.items[0]).toMatchObject({ status: 'error', error: 'exit 1', output: null })
  })

  it('ignores a late report of an earlier stage', () => {
    const state = reduceEvents(emptyTimeline, log(tool('completed', { output: 'ok' }), tool('running')))
    expect(state.items[0]).toMatchObject({ status: 'completed', output: 'ok' })
  })
})

describe('reconnect', () => {
  const events = log(
    status('working'),
    ...sent('u1', 'hi'),
    delta('p1', 'a'),
    tool('running'),
    delta('p1', 'b'),
    tool('completed', { output: 'done' }),
    done('p1', 'ab'),
    status('ready'),
  )

  it('ignores duplicates and replays: seq at or below the last seen', () => {
    const once = reduceEvents(emptyTimeline, events)
    const twice = reduceEvents(once, events)
    expect(twice).toBe(once)
  })

  it('reaches the same state however the stream was cut and resumed (Last-Event-ID)', () => {
    const whole = reduceEvents(emptyTimeline, events)
    for (let cut = 1; cut < events.length; cut++) {
      // A resumed stream may repeat the event before the cut; the reducer drops it.
      const first = reduceEvents(emptyTimeline, events.slice(0, cut))
      const resumed = reduceEvents(first, events.slice(cut - 1))
      expect(resumed).toEqual(whole)
    }
  })

  it('folds event by event to the same state as in one batch', () => {
    const stepwise = events.reduce(reduceTimeline, emptyTimeline)
    expect(stepwise).toEqual(reduceEvents(emptyTimeline, events))
  })

  it("folds to the same state without a part's deltas between its first event and its text.done", () => {
    // The server's log document leaves those out (GET /api/sessions/:id/log).
    const full = log(delta('p1', 'a'), tool('running'), delta('p1', 'b'), delta('p2', 'x'), done('p1', 'ab'))
    const compacted = full.filter((event) => event.seq !== 3)
    expect(reduceEvents(emptyTimeline, compacted)).toEqual(reduceEvents(emptyTimeline, full))
  })

  it('folds on from a timeline sent as a document as from the one it was made of (GET /api/sessions/:id/timeline)', () => {
    const withHeld = log(
      ...events.map(({ type, data }) => ({ type, data }) as SessionEventBody),
      user('u2', 'next'),
      queue('u2'),
    )
    const later: SessionEvent[] = [
      { type: 'queue.updated', data: { queue: [] }, seq: withHeld.length + 1, at },
      { ...(delta('p1', 'late') as SessionEvent), seq: withHeld.length + 2, at },
      { ...(tool('completed', { output: 'again' }) as SessionEvent), seq: withHeld.length + 3, at },
    ]
    for (let cut = 0; cut <= withHeld.length; cut++) {
      const folded = reduceEvents(emptyTimeline, withHeld.slice(0, cut))
      const sent = fromTimelineDocument(JSON.parse(JSON.stringify(toTimelineDocument(folded))))
      expect(sent).toEqual(folded)
      const rest = [...withHeld.slice(cut), ...later]
      expect(reduceEvents(sent, rest)).toEqual(reduceEvents(folded, rest))
    }
    const whole = reduceEvents(emptyTimeline, withHeld)
    expect(whole.held.size).toBe(1)
    expect(whole.partIndex.size).toBe(2)
  })

  it('refuses a document that is not a timeline', () => {
    for (const bad of [null, {}, { lastSeq: 1, items: [] }, { lastSeq: '1', items: [], held: [] }])
      expect(() => fromTimelineDocument(bad)).toThrow('not a timeline document')
  })

  it('does not mutate the previous state', () => {
    const before = reduceEvents(emptyTimeline, log(...sent('u1', 'hi'), delta('p1', 'a')))
    const snapshot = structuredClone(before)
    reduceTimeline(before, { ...(delta('p1', 'b') as SessionEvent), seq: 5, at })
    reduceTimeline(before, { ...(user('u2', 'next') as SessionEvent), seq: 5, at })
    expect(before).toEqual(snapshot)
  })
})

describe('session state', () => {
  it('tracks status, queue, todos and changed files as current state', () => {
    const file = { path: 'demo/a.py', additions: 1, deletions: 0 }
    const state = reduceEvents(
      emptyTimeline,
      log(
        status('working'),
        queue('u2'),
        {
          type: 'todos.updated',
          data: { todos: [{ content: 'write tests', status: 'pending', priority: 'high' }] },
        },
        { type: 'files.changed', data: { files: [file] } },
        status('failed', 'sandbox died'),
        { type: 'agent.status', data: { status: 'idle' } },
      ),
    )
    expect(state.status).toBe('failed')
    expect(state.statusReason).toBe('sandbox died')
    expect(state.agentStatus).toBe('idle')
    expect(state.queue).toEqual([{ messageId: 'u2', text: 'text of u2', mode: 'followup' }])
    expect(state.todos).toHaveLength(1)
    expect(state.changedFiles).toEqual([file])
    expect(state.items.filter((item) => item.kind === 'status')).toHaveLength(2)
  })

  it('shows an abort as a neutral item and other errors, restarts, limits and permissions as items', () => {
    const state = reduceEvents(
      emptyTimeline,
      log(
        { type: 'agent.error', data: { kind: 'aborted', message: 'MessageAbortedError' } },
        { type: 'agent.error', data: { kind: 'provider', message: 'rate limited' } },
        { type: 'agent.restarted', data: { reason: 'crashed', attempt: 2 } },
        { type: 'sandbox.limit', data: { limit: 'memory', message: 'killed python' } },
        {
          type: 'permission.answered',
          data: { requestId: 'r1', permission: 'bash', patterns: ['rm *'], reply: 'reject', by: 'policy' },
        },
      ),
    )
    expect(state.items).toMatchObject([
      { kind: 'aborted' },
      { kind: 'error', errorKind: 'provider', message: 'rate limited' },
      { kind: 'restart', attempt: 2 },
      { kind: 'limit', limit: 'memory' },
      { kind: 'permission', permission: 'bash', reply: 'reject' },
    ])
  })

  it('keeps the latest usage per message and totals them', () => {
    const usage = (messageId: string, outputTokens: number, costUsd: number): SessionEventBody => ({
      type: 'usage',
      data: {
        messageId,
        inputTokens: 100,
        outputTokens,
        reasoningTokens: 5,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        costUsd,
      },
    })
    const state = reduceEvents(
      emptyTimeline,
      log(usage('m1', 10, 0.01), usage('m1', 20, 0.02), usage('m2', 1, 0.5)),
    )
    expect(state.usage.m1).toMatchObject({ outputTokens: 20, costUsd: 0.02 })
    expect(totalUsage(state.usage)).toEqual({ tokens: 105 + 20 + 105 + 1, costUsd: 0.52 })
  })
})
