import type { SessionEvent } from '@agent-ops/protocol'
import { createParser } from 'eventsource-parser'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { OpenedDatabase } from '../db/database.ts'
import {
  type EventLogFixture,
  fixtureSessionId,
  numberedDelta,
  openEventLogFixture,
} from '../sessions/event-log.testing.ts'
import { EventLog } from '../sessions/event-log.ts'
import type { InProcessEventBus } from './pubsub.ts'
import { sessionEventStream } from './sse.ts'

let fixture: EventLogFixture
let database: OpenedDatabase
let log: EventLog
let bus: InProcessEventBus
const sessionId = fixtureSessionId

beforeEach(async () => {
  fixture = await openEventLogFixture()
  ;({ database, log, bus } = fixture)
})

afterEach(() => fixture.close())

const delta = numberedDelta

/** Reads the stream until `count` events arrived; returns them with the SSE ids. */
async function readEvents(response: Response, count: number) {
  const events: { id: string | undefined; event: SessionEvent }[] = []
  const parser = createParser({ onEvent: (e) => events.push({ id: e.id, event: JSON.parse(e.data) }) })
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
  while (events.length < count) {
    const { value, done } = await reader.read()
    if (done) break
    parser.feed(value)
  }
  await reader.cancel()
  return events
}

/** Reads the whole stream as it was enqueued: one entry per chunk, with the sequences each chunk carries. */
async function readChunks(response: Response, count: number) {
  const chunks: number[][] = []
  let received = 0
  const decoder = new TextDecoder()
  const reader = response.body!.getReader()
  while (received < count) {
    const { value, done } = await reader.read()
    if (done) break
    const seqs = [...decoder.decode(value).matchAll(/^id: (\d+)$/gm)].map((match) => Number(match[1]))
    chunks.push(seqs)
    received += seqs.length
  }
  await reader.cancel()
  return chunks
}

function open(afterSeq: number, from: EventLog = log) {
  const abort = new AbortController()
  const response = sessionEventStream({
    sessionId,
    afterSeq,
    log: from,
    bus,
    heartbeatMs: 60_000,
    signal: abort.signal,
  })
  return { response, abort }
}

describe('session event stream', () => {
  it('resumes after Last-Event-ID with exactly the missed events, then live ones', async () => {
    for (let i = 1; i <= 5; i++) await log.append(sessionId, delta(i))
    const { response } = open(2)
    const reading = readEvents(response, 5)
    await new Promise((r) => setTimeout(r, 20))
    await log.append(sessionId, delta(6))
    await log.append(sessionId, delta(7))
    const events = await reading
    expect(events.map((e) => e.event.seq)).toEqual([3, 4, 5, 6, 7])
    expect(events.map((e) => e.id)).toEqual(['3', '4', '5', '6', '7'])
    expect(events[0]!.event).toMatchObject({ type: 'text.delta', data: { delta: '3' } })
  })

  it('has no gap and no duplicate when events arrive while the backlog is read', async () => {
    for (let i = 1; i <= 2500; i++) await log.append(sessionId, delta(i))
    const { response } = open(0)
    const reading = readEvents(response, 2600)
    // Appends race with the paged backlog read.
    for (let i = 2501; i <= 2600; i++) await log.append(sessionId, delta(i))
    const seqs = (await reading).map((e) => e.event.seq)
    expect(seqs).toEqual(Array.from({ length: 2600 }, (_, i) => i + 1))
  })

  it('writes the backlog a page per chunk, in order', async () => {
    for (let i = 1; i <= 2500; i++) await log.append(sessionId, delta(i))
    const chunks = await readChunks(open(0).response, 2500)
    expect(chunks.flat()).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1))
    // ': connected', then three pages of at most 1,000 events.
    expect(chunks.filter((seqs) => seqs.length > 0).map((seqs) => seqs.length)).toEqual([1000, 1000, 500])
  })

  it('resumes in the middle of a page with exactly the events after it', async () => {
    for (let i = 1; i <= 2500; i++) await log.append(sessionId, delta(i))
    const chunks = await readChunks(open(1234).response, 2500 - 1234)
    expect(chunks.flat()).toEqual(Array.from({ length: 2500 - 1234 }, (_, i) => 1235 + i))
  })

  it('sends an event appended while a page is written once, in its place', async () => {
    for (let i = 1; i <= 2500; i++) await log.append(sessionId, delta(i))
    // Each page read is followed by a live append: the event is in the next page and in the held list too.
    let next = 2501
    const racing = new (class extends EventLog {
      override async read(id: string, afterSeq: number, limit?: number) {
        const page = await super.read(id, afterSeq, limit)
        await log.append(sessionId, delta(next++))
        return page
      }
    })(database.db, bus)
    const { response } = open(0, racing)
    // Three pages, three racing appends, and one more from outside, wherever it lands.
    const reading = readEvents(response, 2504)
    await log.append(sessionId, delta(0))
    const events = await reading
    expect(events.map((e) => e.event.seq)).toEqual(Array.from({ length: 2504 }, (_, i) => i + 1))
    expect(events.map((e) => e.id)).toEqual(events.map((e) => String(e.event.seq)))
  })

  it('stops delivering after the client goes away', async () => {
    const { response, abort } = open(0)
    const reading = readEvents(response, 1)
    await log.append(sessionId, delta(1))
    expect((await reading).length).toBe(1)
    abort.abort()
    await log.append(sessionId, delta(2))
    // The bus holds no listener for the session any more.
    let delivered = 0
    const unsubscribe = bus.subscribe(sessionId, () => delivered++)
    await log.append(sessionId, delta(3))
    unsubscribe()
    expect(delivered).toBe(1)
  })
})

describe('event log', () => {
  it('stores a runner event once per (runnerId, seq) and numbers events per session', async () => {
    const first = await log.append(sessionId, delta(1), { runner: { runnerId: 'r1', seq: 1 } })
    const resend = await log.append(sessionId, delta(1), { runner: { runnerId: 'r1', seq: 1 } })
    const next = await log.append(sessionId, delta(2), { runner: { runnerId: 'r1', seq: 2 } })
    const newRunner = await log.append(sessionId, delta(3), { runner: { runnerId: 'r2', seq: 1 } })
    expect(first?.seq).toBe(1)
    expect(resend).toBeUndefined()
    expect(next?.seq).toBe(2)
    expect(newRunner?.seq).toBe(3)
    expect((await log.read(sessionId, 0)).map((e) => e.seq)).toEqual([1, 2, 3])
  })
})
