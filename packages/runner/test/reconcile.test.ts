import type { AgentEvent } from '@agent-ops/protocol'
import type { PermissionRequest } from '@opencode-ai/sdk/v2/client'
import { describe, expect, it } from 'vitest'
import { type BridgeState, createBridgeState } from '../src/bridge-state.ts'
import { bridgeEvent } from '../src/event-bridge.ts'
import { type OpencodeSnapshot, reconcile, seed } from '../src/reconcile.ts'
import { type Scenario, scenario } from './helpers/fixtures.ts'

const snapshotOf = (s: Scenario, extra: Partial<OpencodeSnapshot> = {}): OpencodeSnapshot => ({
  messages: s.messages,
  statuses: {},
  permissions: [],
  questions: [],
  ...extra,
})

function live(state: BridgeState, s: Scenario, from: number, to: number): AgentEvent[] {
  return s.events.slice(from, to).flatMap((e) => bridgeEvent(state, e).events)
}

/** Final states only: what must reach the server exactly once, however the stream behaved. */
const finals = (events: AgentEvent[]) =>
  events
    .filter(
      (e) =>
        e.type === 'text.done' ||
        e.type === 'reasoning.done' ||
        e.type === 'usage' ||
        e.type === 'agent.error' ||
        (e.type === 'tool.updated' && (e.data.status === 'completed' || e.data.status === 'error')),
    )
    .map((e) => JSON.stringify(e))

describe('reconcile after the event stream dropped', () => {
  for (const name of ['toolsAndText', 'reasoningPermissionDiff', 'abortAndRetry'] as const) {
    it(`emits exactly the missing final states (${name}, cut at every point)`, () => {
      const s = scenario(name)
      const full = live(createBridgeState(s.sessionID), s, 0, s.events.length)
      for (let cut = 0; cut <= s.events.length; cut += 3) {
        const state = createBridgeState(s.sessionID)
        const before = live(state, s, 0, cut)
        const caughtUp = reconcile(state, snapshotOf(s)).events
        expect([...finals(before), ...finals(caughtUp)].sort(), `cut at ${cut}`).toEqual(finals(full).sort())
        // The stream's remaining events, delivered late, add nothing final.
        const after = live(state, s, cut, s.events.length)
        expect(finals(after), `late events after cut at ${cut}`).toEqual([])
      }
    })
  }

  it('emits nothing when nothing was missed, and nothing twice', () => {
    const s = scenario('toolsAndText')
    const state = createBridgeState(s.sessionID)
    live(state, s, 0, s.events.length)
    expect(reconcile(state, snapshotOf(s)).events).toEqual([])
    expect(reconcile(state, snapshotOf(s)).events).toEqual([])
  })

  it('does not roll a tool back to an older status', () => {
    const s = scenario('toolsAndText')
    const state = createBridgeState(s.sessionID)
    const runningAt = s.events.findIndex(
      (e) =>
        e.type === 'message.part.updated' &&
        e.properties.part.type === 'tool' &&
        e.properties.part.state.status === 'running',
    )
    live(state, s, 0, runningAt)
    const caughtUp = reconcile(state, snapshotOf(s)).events
    expect(
      caughtUp.some(
        (e) => e.type === 'tool.updated' && e.data.tool === 'bash' && e.data.status === 'completed',
      ),
    ).toBe(true)
    const stale = live(state, s, runningAt, runningAt + 1)
    expect(stale).toEqual([])
  })

  it('corrects a status that changed while disconnected', () => {
    const s = scenario('toolsAndText')
    const state = createBridgeState(s.sessionID)
    const busyAt = s.events.findIndex((e) => e.type === 'session.status')
    live(state, s, 0, busyAt + 1)
    expect(state.status).toBe('busy')
    const caughtUp = reconcile(state, snapshotOf(s)).events
    expect(caughtUp.at(-1)).toEqual({ type: 'agent.status', data: { status: 'idle' } })
    // Still busy in OpenCode: nothing to correct.
    const busy = createBridgeState(s.sessionID)
    live(busy, s, 0, busyAt + 1)
    const statuses = { [s.sessionID]: { type: 'busy' as const } }
    expect(reconcile(busy, snapshotOf(s, { messages: [], statuses })).events).toEqual([])
  })

  it('hands pending asks of our session to the policy, once', () => {
    const s = scenario('reasoningPermissionDiff')
    const state = createBridgeState(s.sessionID)
    const ask: PermissionRequest = {
      id: 'per_pending',
      sessionID: s.sessionID,
      permission: 'external_directory',
      patterns: ['/etc/*'],
      metadata: {},
      always: [],
    }
    const other = { ...ask, id: 'per_other', sessionID: 'ses_other' }
    const first = reconcile(state, snapshotOf(s, { permissions: [ask, other] }))
    expect(first.requests).toEqual([
      {
        kind: 'permission',
        requestId: 'per_pending',
        permission: 'external_directory',
        patterns: ['/etc/*'],
      },
    ])
    expect(reconcile(state, snapshotOf(s, { permissions: [ask] })).requests).toEqual([])
  })
})

describe('seed for a runner that reuses a stored session', () => {
  it('takes the stored conversation as reported, then maps new events', () => {
    const s = scenario('toolsAndText')
    const state = createBridgeState(s.sessionID)
    expect(seed(state, snapshotOf(s))).toEqual({ events: [], requests: [] })
    // Replaying the old turn adds no final state; a new status still gets through.
    expect(finals(live(state, s, 0, s.events.length))).toEqual([])
    expect(state.status).toBe('idle')
  })

  it('needs only the latest message: nothing up to it is mapped again, what comes after it is', () => {
    const s = scenario('toolsAndText')
    const boundary = s.messages[2]!
    const later = new Set(s.messages.slice(3).map((m) => m.info.id))
    expect(later.size).toBeGreaterThan(0)
    const state = createBridgeState(s.sessionID)
    expect(seed(state, snapshotOf(s, { messages: [boundary] }))).toEqual({ events: [], requests: [] })
    // A later reconcile with the whole conversation reports exactly the messages after the latest one seeded.
    const caughtUp = reconcile(state, snapshotOf(s)).events
    const everything = reconcile(createBridgeState(s.sessionID), snapshotOf(s)).events
    const messageOf = (e: AgentEvent) =>
      ('messageId' in e.data ? e.data.messageId : undefined) as string | undefined
    expect(finals(caughtUp)).toEqual(finals(everything.filter((e) => later.has(messageOf(e) ?? ''))))
    expect(finals(caughtUp).length).toBeGreaterThan(0)
    // Live events of the earlier messages map to nothing, not even deltas.
    const earlier = new Set(s.messages.slice(0, 3).map((m) => m.info.id))
    const replayed = live(createSeeded(s, boundary), s, 0, s.events.length)
    expect(replayed.filter((e) => earlier.has(messageOf(e) ?? ''))).toEqual([])
  })
})

function createSeeded(s: Scenario, latest: Scenario['messages'][number]): BridgeState {
  const state = createBridgeState(s.sessionID)
  seed(state, snapshotOf(s, { messages: [latest] }))
  return state
}
