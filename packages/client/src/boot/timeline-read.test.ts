import type { SessionEvent } from '@agent-ops/protocol'
import { emptyTimeline, reduceEvents, toTimelineDocument } from '@agent-ops/protocol/timeline'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { earlyTimeline, readEarly, readTimeline, takeTimelineRead } from './timeline-read.ts'

const at = '2025-01-01T00:00:00.000Z'
const events = [
  {
    type: 'message.user',
    data: { messageId: 'u1', text: 'hi', mode: 'followup', author: { id: 'a', name: 'A' } },
    seq: 1,
    at,
  },
  { type: 'queue.updated', data: { queue: [{ messageId: 'u1', text: 'hi', mode: 'followup' }] }, seq: 2, at },
  { type: 'text.delta', data: { messageId: 'm1', partId: 'p1', delta: 'Hel' }, seq: 3, at },
] as SessionEvent[]
const folded = reduceEvents(emptyTimeline, events)

afterEach(() => vi.unstubAllGlobals())

function stubTimeline(document: unknown = toTimelineDocument(folded), status = 200) {
  const fetch = vi.fn(async (_url: string, _init?: RequestInit) => Response.json(document, { status }))
  vi.stubGlobal('fetch', fetch)
  return fetch
}

describe("reading a session's timeline", () => {
  it('reads what the server folded and can fold live events onto it', async () => {
    const fetch = stubTimeline()
    const state = await readTimeline('s 1').result
    expect(fetch).toHaveBeenCalledWith('/api/sessions/s%201/timeline', expect.anything())
    expect(state).toEqual(folded)
    // The held message and the text part's place survive the trip: a later delta extends the part.
    const next = { type: 'text.delta', data: { messageId: 'm1', partId: 'p1', delta: 'lo' }, seq: 4, at }
    expect(reduceEvents(state, [next as SessionEvent])).toEqual(reduceEvents(folded, [next as SessionEvent]))
  })

  it('fails on an answer that is not 2xx, or not a timeline', async () => {
    stubTimeline({ error: { code: 'not_found' } }, 404)
    await expect(readTimeline('s1').result).rejects.toThrow('HTTP 404')
    stubTimeline({ events })
    await expect(readTimeline('s1').result).rejects.toThrow('not a timeline document')
  })

  it('hands the read started at boot over once, and its timeline to a first render once it has arrived', async () => {
    const fetch = stubTimeline()
    readEarly('s1')
    expect(earlyTimeline('s2')).toBeUndefined()
    await vi.waitFor(() => expect(earlyTimeline('s1')).toEqual(folded))
    const read = takeTimelineRead('s1')
    expect(await read.result).toBe(read.state)
    expect(fetch).toHaveBeenCalledTimes(1)
    // Taken: a second page of the same session reads anew.
    expect(earlyTimeline('s1')).toBeUndefined()
    await takeTimelineRead('s1').result
    expect(fetch).toHaveBeenCalledTimes(2)
  })

  it('cancels the request when the page no longer wants it', async () => {
    const fetch = stubTimeline()
    const read = readTimeline('s1')
    read.cancel()
    expect(fetch.mock.calls[0]?.[1]?.signal?.aborted).toBe(true)
  })
})
