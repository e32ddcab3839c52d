import type { SessionEvent } from '@agent-ops/protocol'
import { ApiError } from '@agent-ops/sdk'
import type { Script } from '@agent-ops/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { collectEvents, createTestServer, describe as line, ofType, type TestServer } from './harness.ts'

const longText = `Working on it. ${'Still working through the task step by step. '.repeat(40)}Finished.`
const script: Script = {
  exchanges: [
    { match: 'long task', steps: [{ text: longText, chunkDelayMs: 30 }] },
    { match: 'edited follow-up', steps: [{ text: 'Answer to the edited follow-up.' }] },
    { match: 'typo follow-up', steps: [{ text: 'Answer to the typo.' }] },
    { match: 'removed follow-up', steps: [{ text: 'Answer to the removed message.' }] },
    { match: 'kept follow-up', steps: [{ text: 'Answer to the kept message.' }] },
    { match: 'race edited', steps: [{ text: 'Race: edited text.' }] },
    { match: 'race original', steps: [{ text: 'Race: original text.' }] },
  ],
}

let t: TestServer
let sessionId: string
beforeAll(async () => {
  t = await createTestServer({ script })
  sessionId = (await t.client.sessions.create({ prompt: 'warm up' })).id
  // The session is ready once booted, before its first turn ran: wait for that turn to end, or the tests'
  // "long turn" could queue behind it and the first text they see would be the warm-up's.
  await collectEvents(t.client, sessionId, (e) => e.type === 'agent.status' && e.data.status === 'idle')
})
afterAll(async () => {
  await t?.close()
})

const lastSeq = async () => (await t.client.sessions.get(sessionId)).lastEventSeq
const untilReady = (after: number) =>
  collectEvents(t.client, sessionId, (e) => e.type === 'session.status' && e.data.status === 'ready', {
    after,
  })
const answered = (text: string) => (e: SessionEvent) => e.type === 'text.done' && e.data.text === text
const apiError = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the request to fail')
    },
    (error: unknown) => {
      if (!(error instanceof ApiError)) throw error
      return error
    },
  )

/** Starts a long turn and returns once the agent is streaming it, so messages sent now wait in the queue. */
async function startLongTurn(): Promise<number> {
  const start = await lastSeq()
  await t.client.sessions.send(sessionId, { text: 'a long task please' })
  await collectEvents(t.client, sessionId, (e) => e.type === 'text.delta', { after: start })
  return start
}

describe('editing the queue', () => {
  it('edits a queued message: the agent gets the new text, every viewer sees the change', async () => {
    const start = await startLongTurn()
    const sent = await t.client.sessions.send(sessionId, { text: 'typo follow-up' })
    expect(sent.queued).toBe(true)
    const edited = await t.client.sessions.queue.edit(sessionId, sent.messageId, { text: 'edited follow-up' })
    expect(edited).toEqual({ messageId: sent.messageId, text: 'edited follow-up', mode: 'followup' })

    const events = await collectEvents(t.client, sessionId, answered('Answer to the edited follow-up.'), {
      after: start,
    })
    const trace = events.map(line).join('\n')
    expect(events.some(answered('Answer to the typo.')), trace).toBe(false)
    const editedAt = events.findIndex((e) => e.type === 'message.edited')
    expect(ofType(events, 'message.edited')[0]?.data, trace).toMatchObject({
      messageId: sent.messageId,
      text: 'edited follow-up',
      author: { name: 'Ada Admin' },
    })
    // The queue as every viewer (and a reload) sees it right after the edit.
    const queueAfterEdit = events.slice(editedAt).find((e) => e.type === 'queue.updated')
    expect(queueAfterEdit?.data, trace).toEqual({
      queue: [{ messageId: sent.messageId, text: 'edited follow-up', mode: 'followup' }],
    })

    const late = await apiError(t.client.sessions.queue.edit(sessionId, sent.messageId, { text: 'too late' }))
    expect(late.status).toBe(409)
    expect(late.message).toMatch(/already reached the agent/)
    await untilReady((await lastSeq()) - 1)
  })

  it('removes a queued message: it is never sent, the rest of the queue runs', async () => {
    const start = await startLongTurn()
    const removed = await t.client.sessions.send(sessionId, { text: 'removed follow-up' })
    const kept = await t.client.sessions.send(sessionId, { text: 'kept follow-up' })
    const cancelled = await t.client.sessions.queue.cancel(sessionId, removed.messageId)
    expect(cancelled).toEqual({ messageId: removed.messageId, text: 'removed follow-up', mode: 'followup' })

    const events = await collectEvents(t.client, sessionId, answered('Answer to the kept message.'), {
      after: start,
    })
    const trace = events.map(line).join('\n')
    expect(events.some(answered('Answer to the removed message.')), trace).toBe(false)
    const cancelledAt = events.findIndex((e) => e.type === 'message.cancelled')
    expect(events[cancelledAt]?.data, trace).toMatchObject({ messageId: removed.messageId })
    expect(events[cancelledAt + 1], trace).toMatchObject({
      type: 'queue.updated',
      data: { queue: [{ messageId: kept.messageId, text: 'kept follow-up', mode: 'followup' }] },
    })

    const again = await apiError(t.client.sessions.queue.cancel(sessionId, removed.messageId))
    expect(again.status).toBe(409)
    expect(again.message).toMatch(/already removed/)
    await untilReady((await lastSeq()) - 1)
  })

  it('answers 404 for an unknown message and 400 for bad input, with a readable reason', async () => {
    const unknown = await apiError(t.client.sessions.queue.edit(sessionId, 'msg_nope', { text: 'x' }))
    expect(unknown.status).toBe(404)
    expect(unknown.message).toMatch(/msg_nope/)
    const unknownCancel = await apiError(t.client.sessions.queue.cancel(sessionId, 'msg_nope'))
    expect(unknownCancel.status).toBe(404)

    const empty = await apiError(t.client.sessions.queue.edit(sessionId, 'msg_nope', { text: '   ' }))
    expect(empty.status).toBe(400)
    expect(empty.message).toMatch(/text must not be empty/)
    const extra = await apiError(
      t.client.sessions.queue.edit(sessionId, 'msg_nope', { text: 'x', mode: 'steer' } as { text: string }),
    )
    expect(extra.status).toBe(400)
    expect(extra.message).toMatch(/unknown field mode/)
  })

  it('an edit racing the dispatcher either wins (the agent gets the new text) or is refused', async () => {
    for (let round = 0; round < 3; round++) {
      const start = await lastSeq()
      // The session is idle: sending dispatches at once, and the edit races it for the session's lock.
      const sent = await t.client.sessions.send(sessionId, { text: `race original ${round}` })
      const outcome = await t.client.sessions.queue
        .edit(sessionId, sent.messageId, { text: `race edited ${round}` })
        .then(
          () => 'edited' as const,
          (error: unknown) => {
            if (error instanceof ApiError && error.status === 409) return 'refused' as const
            throw error
          },
        )
      const expected = outcome === 'edited' ? 'Race: edited text.' : 'Race: original text.'
      const events = await collectEvents(
        t.client,
        sessionId,
        (e) => e.type === 'text.done' && e.data.text.startsWith('Race:'),
        { after: start },
      )
      expect(ofType(events, 'text.done').at(-1)?.data.text, events.map(line).join('\n')).toBe(expected)
      await untilReady((await lastSeq()) - 1)
    }
  })
})
