import type { SessionEvent } from '@agent-ops/protocol'
import type { Script } from '@agent-ops/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { collectEvents, createTestServer, describe as line, ofType, type TestServer } from './harness.ts'

const longText = `Working on it. ${'Still working through the task step by step. '.repeat(40)}Finished.`
const script: Script = {
  exchanges: [
    { match: 'long task', steps: [{ text: longText, chunkDelayMs: 30 }] },
    { match: 'queued follow-up', steps: [{ text: 'Follow-up answered.' }] },
    { match: 'steer now', steps: [{ text: 'Steered answer.' }] },
  ],
}

let t: TestServer
let sessionId: string
beforeAll(async () => {
  t = await createTestServer({ script })
  sessionId = (await t.client.sessions.create({ prompt: 'warm up' })).id
  await collectEvents(
    t.client,
    sessionId,
    (e) => e.type === 'session.status' && e.data.status === 'ready' && e.seq > 5,
  )
})
afterAll(async () => {
  await t?.close()
})

const lastSeq = async () => (await t.client.sessions.get(sessionId)).lastEventSeq
const firstDelta = (e: SessionEvent) => e.type === 'text.delta'
const partText = (events: SessionEvent[], partId: string) =>
  ofType(events, 'text.delta')
    .filter((e) => e.data.partId === partId)
    .map((e) => e.data.delta)
    .join('')

describe('controlling a turn', () => {
  it('queues a follow-up sent while the agent works and runs it after the turn', async () => {
    const start = await lastSeq()
    await t.client.sessions.send(sessionId, { text: 'a long task please' })
    await collectEvents(t.client, sessionId, firstDelta, { after: start })
    const followUp = await t.client.sessions.send(sessionId, { text: 'queued follow-up' })
    expect(followUp.queued).toBe(true)
    const events = await collectEvents(
      t.client,
      sessionId,
      (e) => e.type === 'text.done' && e.data.text === 'Follow-up answered.',
      {
        after: start,
      },
    )
    const trace = events.map(line).join('\n')
    const queuedAt = events.findIndex(
      (e) => e.type === 'queue.updated' && e.data.queue.some((q) => q.messageId === followUp.messageId),
    )
    const longDone = events.findIndex((e) => e.type === 'text.done' && e.data.text === longText)
    const idle = events.findIndex(
      (e, i) => i > longDone && e.type === 'agent.status' && e.data.status === 'idle',
    )
    const dequeued = events.findIndex(
      (e, i) => i > idle && e.type === 'queue.updated' && e.data.queue.length === 0,
    )
    expect(queuedAt, trace).toBeGreaterThan(0)
    expect(longDone, trace).toBeGreaterThan(queuedAt)
    expect(idle, trace).toBeGreaterThan(longDone)
    expect(dequeued, trace).toBeGreaterThan(idle)
  })

  it('steer aborts the current turn and sends at once', async () => {
    await collectEvents(
      t.client,
      sessionId,
      (e) => e.type === 'session.status' && e.data.status === 'ready',
      { after: (await lastSeq()) - 1 },
    )
    const start = await lastSeq()
    await t.client.sessions.send(sessionId, { text: 'another long task' })
    const delta = (await collectEvents(t.client, sessionId, firstDelta, { after: start }))[0]!
    const steer = await t.client.sessions.send(sessionId, { text: 'steer now', mode: 'steer' })
    expect(steer.queued).toBe(false)
    const events = await collectEvents(
      t.client,
      sessionId,
      (e) => e.type === 'text.done' && e.data.text === 'Steered answer.',
      {
        after: start,
      },
    )
    const interrupted = delta.type === 'text.delta' ? delta.data.partId : ''
    // The long part never finished: what streamed is a strict prefix of the scripted text.
    expect(longText.startsWith(partText(events, interrupted))).toBe(true)
    expect(partText(events, interrupted).length).toBeLessThan(longText.length)
    expect(ofType(events, 'text.done').some((e) => e.data.text === longText)).toBe(false)
  })

  it('abort stops a long turn and leaves the session ready', async () => {
    await collectEvents(
      t.client,
      sessionId,
      (e) => e.type === 'session.status' && e.data.status === 'ready',
      { after: (await lastSeq()) - 1 },
    )
    const start = await lastSeq()
    await t.client.sessions.send(sessionId, { text: 'one more long task' })
    const delta = (await collectEvents(t.client, sessionId, firstDelta, { after: start }))[0]!
    expect(await t.client.sessions.abort(sessionId)).toEqual({ aborted: true })
    const events = await collectEvents(
      t.client,
      sessionId,
      (e) => e.type === 'session.status' && e.data.status === 'ready',
      { after: start },
    )
    const partId = delta.type === 'text.delta' ? delta.data.partId : ''
    expect(partText(events, partId).length).toBeLessThan(longText.length)
    expect((await t.client.sessions.get(sessionId)).status).toBe('ready')
    // Nothing to abort now.
    expect(await t.client.sessions.abort(sessionId)).toEqual({ aborted: false })
  })

  it('resumes the event stream after Last-Event-ID with exactly the missed events', async () => {
    const all = await collectEvents(t.client, sessionId, (_e, seen) => seen.length === 20)
    const response = await fetch(`${t.server.url}/api/sessions/${sessionId}/events`, {
      headers: { authorization: `Bearer ${t.token}`, 'last-event-id': '12' },
    })
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
    let text = ''
    while (!text.includes('id: 20\n')) text += (await reader.read()).value ?? ''
    await reader.cancel()
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))
    expect(ids.slice(0, 8)).toEqual([13, 14, 15, 16, 17, 18, 19, 20])
    const thirteen = text.split('\n').find((l) => l.startsWith('data: ') && l.includes('"seq":13'))
    expect(JSON.parse(thirteen!.slice(6))).toEqual(all[12])
  })
})
