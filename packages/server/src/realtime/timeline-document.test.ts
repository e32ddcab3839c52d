import { type SessionEventBody, SessionTimeline } from '@agent-ops/protocol'
import { emptyTimeline, reduceEvents, toTimelineDocument } from '@agent-ops/protocol/timeline'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { OpenedDatabase } from '../db/database.ts'
import { type EventLogFixture, fixtureSessionId, openEventLogFixture } from '../sessions/event-log.testing.ts'
import { EventLog } from '../sessions/event-log.ts'
import { InProcessEventBus } from './pubsub.ts'
import { sessionTimelineDocument } from './timeline-document.ts'

let fixture: EventLogFixture
let database: OpenedDatabase
let log: EventLog
const sessionId = fixtureSessionId

beforeEach(async () => {
  fixture = await openEventLogFixture()
  ;({ database, log } = fixture)
})

afterEach(() => fixture.close())

/**
 * A turn of `n` events whose parts straddle page boundaries: a user message held in the queue, text in deltas,
 * a tool call in stages.
 */
function turn(n: number): SessionEventBody[] {
  const messageId = `u${n}`
  const text = `step ${n}`
  const events: SessionEventBody[] = [
    { type: 'message.user', data: { messageId, text, mode: 'followup', author: { id: 'a', name: 'Ada' } } },
    { type: 'queue.updated', data: { queue: [{ messageId, text, mode: 'followup' }] } },
  ]
  for (let i = 0; i < 20; i++)
    events.push({ type: 'text.delta', data: { messageId: `m${n}`, partId: `p${n}`, delta: `${i} ` } })
  const tool = {
    messageId: `m${n}`,
    partId: `t${n}`,
    callId: `c${n}`,
    tool: 'bash',
    input: { command: 'ls' },
  }
  events.push({ type: 'tool.updated', data: { ...tool, status: 'running' } })
  events.push({ type: 'queue.updated', data: { queue: [] } })
  events.push({ type: 'tool.updated', data: { ...tool, status: 'completed', output: `out ${n}` } })
  return events
}

async function appendTurns(events: number): Promise<void> {
  const bodies: SessionEventBody[] = []
  for (let n = 1; bodies.length < events; n++) bodies.push(...turn(n))
  for (const body of bodies.slice(0, events)) await log.append(sessionId, body)
}

/** The stored log folded in one go, as the web app would fold it from the stream. */
async function foldedWhole(from = log) {
  return reduceEvents(emptyTimeline, await from.read(sessionId, 0, 1_000_000))
}

describe('session timeline document', () => {
  it('is the empty timeline for an empty log', async () => {
    expect(await sessionTimelineDocument({ sessionId, log })).toEqual(toTimelineDocument(emptyTimeline))
  })

  it('folds a log of several pages as the web app folds it in one go', async () => {
    // 2,510 events: the last turn is cut with its message still held in the queue.
    await appendTurns(2510)
    const document = await sessionTimelineDocument({ sessionId, log })
    expect(document.lastSeq).toBe(2510)
    expect(document).toEqual(toTimelineDocument(await foldedWhole()))
    expect(document.held.map((item) => item.messageId)).toEqual(['u101'])
    // What the API declares it answers, after a trip through JSON.
    expect(SessionTimeline.parse(JSON.parse(JSON.stringify(document)))).toEqual(
      JSON.parse(JSON.stringify(document)),
    )
  })

  it('lets the event loop turn between pages', async () => {
    await appendTurns(2500)
    let finished = false
    const turnedBeforeFinished = new Promise<boolean>((resolve) => setImmediate(() => resolve(!finished)))
    await sessionTimelineDocument({ sessionId, log })
    finished = true
    expect(await turnedBeforeFinished).toBe(true)
  })

  it("is the log's prefix up to lastSeq when events are appended while it is folded", async () => {
    await appendTurns(2000)
    const racing = new (class extends EventLog {
      override async read(id: string, afterSeq: number, limit?: number) {
        const page = await super.read(id, afterSeq, limit)
        for (const body of turn(999)) await log.append(sessionId, body)
        return page
      }
    })(database.db, new InProcessEventBus())
    const document = await sessionTimelineDocument({ sessionId, log: racing })
    expect(document.lastSeq).toBeGreaterThanOrEqual(2000)
    const prefix = await log.read(sessionId, 0, document.lastSeq)
    expect(document).toEqual(toTimelineDocument(reduceEvents(emptyTimeline, prefix)))
  })
})
