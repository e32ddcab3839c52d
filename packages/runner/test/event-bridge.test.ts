import { AgentEvent } from '@agent-ops/protocol'
import type { Event } from '@opencode-ai/sdk/v2/client'
import { describe, expect, it } from 'vitest'
import { type BridgeOutput, createBridgeState } from '../src/bridge-state.ts'
import { agentCrashed, bridgeEvent } from '../src/event-bridge.ts'
import { TOOL_TEXT_MAX_CHARS } from '../src/part-mapping.ts'
import { type ScenarioName, scenario } from './helpers/fixtures.ts'

/** Replays a captured scenario through the bridge; returns everything it produced. */
function replay(name: ScenarioName, events?: Event[]) {
  const s = scenario(name)
  const state = createBridgeState(s.sessionID)
  const out: BridgeOutput = { events: [], requests: [] }
  for (const event of events ?? s.events) {
    const result = bridgeEvent(state, event)
    out.events.push(...result.events)
    out.requests.push(...result.requests)
  }
  for (const event of out.events)
    expect(AgentEvent.safeParse(event).success, JSON.stringify(event)).toBe(true)
  return { ...out, state, scenario: s }
}

const summary = (events: AgentEvent[]) =>
  events.map((e) => {
    switch (e.type) {
      case 'tool.updated':
        return `tool ${e.data.tool} ${e.data.status}`
      case 'agent.status':
        return `status ${e.data.status}`
      case 'agent.error':
        return `error ${e.data.kind}`
      default:
        return e.type
    }
  })

describe('bridgeEvent on a captured turn (bash, edit, todowrite, text)', () => {
  it('maps the turn in order, each final state once', () => {
    const { events, requests } = replay('toolsAndText')
    expect(requests).toEqual([])
    const deltas = events.filter((e) => e.type === 'text.delta').length
    expect(summary(events)).toEqual([
      'status busy',
      'tool bash pending',
      'tool bash running',
      'tool bash completed',
      'usage',
      'tool edit pending',
      'tool edit running',
      'tool edit completed',
      'usage',
      'tool todowrite pending',
      'todos.updated',
      'tool todowrite running',
      'tool todowrite completed',
      'usage',
      ...Array<string>(deltas).fill('text.delta'),
      'text.done',
      'usage',
      'status idle',
    ])
  })

  it('streams the text as deltas that add up to text.done', () => {
    const { events } = replay('toolsAndText')
    const streamed = events.map((e) => (e.type === 'text.delta' ? e.data.delta : '')).join('')
    const done = events.find((e) => e.type === 'text.done')
    expect(done?.type === 'text.done' && done.data.text).toBe('All done, the file now says goodbye.')
    expect(streamed).toBe('All done, the file now says goodbye.')
  })

  it('carries tool input, output and title', () => {
    const { events } = replay('toolsAndText')
    const bash = events.find(
      (e) => e.type === 'tool.updated' && e.data.tool === 'bash' && e.data.status === 'completed',
    )
    expect(bash).toMatchObject({
      data: {
        input: { command: 'echo hello > a.txt && cat a.txt', description: 'create a file' },
        output: 'hello\n',
        title: 'echo hello > a.txt && cat a.txt',
        callId: 'call_1',
      },
    })
    const todos = events.find((e) => e.type === 'todos.updated')
    expect(todos).toEqual({
      type: 'todos.updated',
      data: { todos: [{ content: 'do x', status: 'completed', priority: 'high' }] },
    })
  })

  it("never reports the user's own message as the agent's", () => {
    const { events } = replay('toolsAndText')
    expect(JSON.stringify(events)).not.toContain('please make a file')
  })

  it('reports usage per assistant message from its tokens and cost', () => {
    const { events } = replay('toolsAndText')
    const usage = events.filter((e) => e.type === 'usage')
    expect(usage).toHaveLength(4)
    expect(new Set(usage.map((e) => e.type === 'usage' && e.data.messageId)).size).toBe(4)
    expect(usage[0]).toMatchObject({
      data: { inputTokens: 100, outputTokens: 20, reasoningTokens: 0, cacheReadTokens: 0, costUsd: 0 },
    })
  })
})

describe('bridgeEvent on reasoning, a permission ask and file changes', () => {
  it('reports reasoning once, when finished, and never as text', () => {
    const { events } = replay('reasoningPermissionDiff')
    const reasoning = events.filter((e) => e.type === 'reasoning.done')
    expect(reasoning).toHaveLength(1)
    expect(reasoning[0]).toMatchObject({ data: { text: 'Let me think about it. ' } })
    const deltas = events.map((e) => (e.type === 'text.delta' ? e.data.delta : '')).join('')
    expect(deltas).toBe('Finished.')
  })

  it('hands the permission ask to the policy once', () => {
    const { requests } = replay('reasoningPermissionDiff')
    expect(requests).toEqual([
      {
        kind: 'permission',
        requestId: expect.stringMatching(/^per_/),
        permission: 'external_directory',
        patterns: ['/etc/*'],
      },
    ])
  })

  it('reports changed files from the turn summary, without repeating an unchanged list', () => {
    const { events } = replay('reasoningPermissionDiff')
    const changes = events.flatMap((e) => (e.type === 'files.changed' ? [e.data.files] : []))
    expect(
      changes.map((files) => files.map((f) => `${f.path} ${f.status} +${f.additions} -${f.deletions}`)),
    ).toEqual([['c.txt added +1 -0'], ['b.txt modified +1 -1', 'c.txt added +1 -0']])
    expect(changes[1]?.[0]?.patch).toContain('-one\n+two')
  })
})

describe('bridgeEvent on failures', () => {
  it('reports an abort as kind "aborted" and a retry with its message', () => {
    const { events } = replay('abortAndRetry')
    const errors = events.filter((e) => e.type === 'agent.error')
    expect(errors).toEqual([{ type: 'agent.error', data: { kind: 'aborted', message: 'Aborted' } }])
    const retry = events.find((e) => e.type === 'agent.status' && e.data.status === 'retry')
    expect(retry).toMatchObject({
      data: { status: 'retry', message: expect.stringContaining('Cannot connect to API') },
    })
    // Each retry attempt has its own message; busy again in between.
    const statuses = summary(events).filter((s) => s.startsWith('status'))
    expect(statuses.slice(0, 4)).toEqual(['status busy', 'status idle', 'status busy', 'status idle'])
    expect(statuses.filter((s) => s === 'status retry').length).toBeGreaterThanOrEqual(3)
  })

  it('reports an API error once, though OpenCode sends it as session.error and on the message', () => {
    const { events } = replay('apiError')
    const errors = events.filter((e) => e.type === 'agent.error')
    expect(errors).toEqual([
      { type: 'agent.error', data: { kind: 'APIError', message: 'bad request from fake' } },
    ])
    // The failed message used no tokens: no usage event.
    expect(summary(events)).toEqual(['status busy', 'error APIError', 'status idle'])
  })

  it('hands a question to the policy and reports the dismissed tool', () => {
    const { events, requests } = replay('questionRejected')
    expect(requests).toEqual([
      { kind: 'question', requestId: expect.stringMatching(/^que_/), questions: ['Which color?'] },
    ])
    const tool = events.find((e) => e.type === 'tool.updated' && e.data.status === 'error')
    expect(tool).toMatchObject({ data: { tool: 'question', error: 'The user dismissed this question' } })
  })

  it('ends a busy turn when OpenCode crashes', () => {
    const s = scenario('toolsAndText')
    const state = createBridgeState(s.sessionID)
    const busyAt = s.events.findIndex((e) => e.type === 'session.status')
    for (const event of s.events.slice(0, busyAt + 1)) bridgeEvent(state, event)
    expect(agentCrashed(state, 'killed')).toEqual([
      { type: 'agent.error', data: { kind: 'agent_crashed', message: 'killed' } },
      { type: 'agent.status', data: { status: 'idle' } },
    ])
    expect(agentCrashed(state, 'again')).toHaveLength(1)
  })
})

describe('bridgeEvent filtering', () => {
  it("ignores another session's events entirely", () => {
    const s = scenario('reasoningPermissionDiff')
    const state = createBridgeState('ses_someoneelse')
    const produced = s.events.flatMap((e) => {
      const out = bridgeEvent(state, e)
      return [...out.events, ...out.requests]
    })
    expect(produced).toEqual([])
  })

  it("answers a subagent session's asks but maps nothing else of it", () => {
    const state = createBridgeState('ses_parent')
    const created = {
      id: 'evt_1',
      type: 'session.created',
      properties: { sessionID: 'ses_child', info: { id: 'ses_child', parentID: 'ses_parent' } },
    } as unknown as Event
    const ask = {
      id: 'evt_2',
      type: 'permission.asked',
      properties: {
        id: 'per_1',
        sessionID: 'ses_child',
        permission: 'bash',
        patterns: ['ls'],
        metadata: {},
        always: [],
      },
    } as Event
    const status = {
      id: 'evt_3',
      type: 'session.status',
      properties: { sessionID: 'ses_child', status: { type: 'busy' } },
    } as Event
    expect(bridgeEvent(state, created)).toEqual({ events: [], requests: [] })
    expect(bridgeEvent(state, ask).requests).toEqual([
      { kind: 'permission', requestId: 'per_1', permission: 'bash', patterns: ['ls'] },
    ])
    expect(bridgeEvent(state, ask).requests).toEqual([])
    expect(bridgeEvent(state, status).events).toEqual([])
  })

  it('truncates very long tool output and says so', () => {
    const s = scenario('toolsAndText')
    const state = createBridgeState(s.sessionID)
    const completed = s.events.find(
      (e) =>
        e.type === 'message.part.updated' &&
        e.properties.part.type === 'tool' &&
        e.properties.part.state.status === 'completed',
    )
    if (completed?.type !== 'message.part.updated' || completed.properties.part.type !== 'tool')
      throw new Error('fixture')
    const state2 = completed.properties.part.state
    if (state2.status !== 'completed') throw new Error('fixture')
    state2.output = 'x'.repeat(TOOL_TEXT_MAX_CHARS + 500)
    const [event] = bridgeEvent(state, completed).events
    const output = event?.type === 'tool.updated' ? (event.data.output ?? '') : ''
    expect(output.startsWith('x'.repeat(TOOL_TEXT_MAX_CHARS))).toBe(true)
    expect(output).toContain('[truncated: 500 of')
    expect(output.length).toBeLessThan(TOOL_TEXT_MAX_CHARS + 100)
  })
})
