import { type SessionEvent, type SessionEventBody, SessionLog } from '@agent-ops/protocol'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { OpenedDatabase } from '../db/database.ts'
import {
  type EventLogFixture,
  fixtureSessionId,
  numberedDelta,
  openEventLogFixture,
} from '../sessions/event-log.testing.ts'
import { EventLog } from '../sessions/event-log.ts'
import { sessionLogDocument, withoutSupersededDeltas } from './log-document.ts'
import { InProcessEventBus } from './pubsub.ts'

let fixture: EventLogFixture
let database: OpenedDatabase
let log: EventLog
const sessionId = fixtureSessionId

beforeEach(async () => {
  fixture = await openEventLogFixture()
  ;({ database, log } = fixture)
})

afterEach(() => fixture.close())

const delta = numberedDelta

async function appendDeltas(count: number) {
  for (let i = 1; i <= count; i++) await log.append(sessionId, delta(i))
}

/** The document as the protocol describes it (parsing checks every event too). */
async function readDocument(afterSeq: number, from: EventLog = log) {
  const response = await sessionLogDocument({ sessionId, afterSeq, log: from })
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  return SessionLog.parse(await response.json()).events
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

describe('session log document', () => {
  it('is an empty list for an empty log, or when nothing follows `after`', async () => {
    expect(await readDocument(0)).toEqual([])
    await appendDeltas(3)
    expect(await readDocument(3)).toEqual([])
  })

  it('holds every stored event over several pages, in order, exactly once', async () => {
    await appendDeltas(2500)
    const events = await readDocument(0)
    expect(events.map((event) => event.seq)).toEqual(range(1, 2500))
    expect(events[41]).toMatchObject({ type: 'text.delta', data: { delta: '42' }, seq: 42 })
  })

  it('starts after `after`, also in the middle of a page and on a page boundary', async () => {
    await appendDeltas(2500)
    expect((await readDocument(1234)).map((event) => event.seq)).toEqual(range(1235, 2500))
    expect((await readDocument(1000)).map((event) => event.seq)).toEqual(range(1001, 2500))
    expect((await readDocument(2000)).map((event) => event.seq)).toEqual(range(2001, 2500))
  })

  it('is a prefix of the log without gaps when events are appended while it is written', async () => {
    await appendDeltas(2000)
    let next = 2001
    const racing = new (class extends EventLog {
      override async read(id: string, afterSeq: number, limit?: number) {
        const page = await super.read(id, afterSeq, limit)
        await log.append(sessionId, delta(next++))
        return page
      }
    })(database.db, new InProcessEventBus())
    const seqs = (await readDocument(0, racing)).map((event) => event.seq)
    expect(seqs).toEqual(range(1, seqs.length))
    expect(seqs.length).toBeGreaterThanOrEqual(2000)
  })
})

describe('superseded text deltas', () => {
  const at = '2025-01-01T00:00:00.000Z'
  const event = (seq: number, body: SessionEventBody) => ({ ...body, seq, at }) as SessionEvent
  const textDelta = (seq: number, partId: string) =>
    event(seq, { type: 'text.delta', data: { messageId: 'm', partId, delta: `${seq}` } })
  const textDone = (seq: number, partId: string) =>
    event(seq, { type: 'text.done', data: { messageId: 'm', partId, text: 'all of it' } })
  const status = (seq: number) => event(seq, { type: 'agent.status', data: { status: 'busy' } })
  const seqs = (events: SessionEvent[]) => events.map((e) => e.seq)

  it("leaves out a finished part's deltas but its first, and nothing else", () => {
    const page = [textDelta(1, 'a'), textDelta(2, 'a'), status(3), textDelta(4, 'b'), textDelta(5, 'a')]
    page.push(textDone(6, 'a'), textDelta(7, 'b'))
    // Part b has no text.done yet: all of its deltas stay.
    expect(seqs(withoutSupersededDeltas(page, new Set()))).toEqual([1, 3, 4, 6, 7])
  })

  it('keeps a late delta after the text.done (the fold ignores it) and the deltas of a part finished later', () => {
    const page = [
      textDelta(1, 'a'),
      textDone(2, 'a'),
      textDelta(3, 'a'),
      textDelta(4, 'b'),
      textDelta(5, 'b'),
    ]
    expect(seqs(withoutSupersededDeltas(page, new Set()))).toEqual([1, 2, 3, 4, 5])
  })

  it('drops even the first delta in a page of a part met in an earlier page, and carries parts across pages', () => {
    const seen = new Set<string>()
    expect(seqs(withoutSupersededDeltas([textDelta(1, 'a'), textDelta(2, 'a')], seen))).toEqual([1, 2])
    expect(seqs(withoutSupersededDeltas([textDelta(3, 'a'), textDone(4, 'a')], seen))).toEqual([4])
  })

  it("are left out of the document, whose last event stays the log's last", async () => {
    for (let part = 1; part <= 3; part++) {
      for (let i = 0; i < 4; i++)
        await log.append(sessionId, {
          type: 'text.delta',
          data: { messageId: 'm', partId: `p${part}`, delta: 'x' },
        })
      await log.append(sessionId, {
        type: 'text.done',
        data: { messageId: 'm', partId: `p${part}`, text: 'xxxx' },
      })
    }
    const events = await readDocument(0)
    expect(seqs(events)).toEqual([1, 5, 6, 10, 11, 15])
    // A part begun before `after` keeps its first delta in the document: harmless, the fold replaces its text.
    expect(seqs(await readDocument(2))).toEqual([3, 5, 6, 10, 11, 15])
  })
})
