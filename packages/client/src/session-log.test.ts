import type { SessionEvent } from '@agent-ops/protocol'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { checkLog, foldSessionLog } from './session-log.ts'
import { emptyTimeline, reduceEvents } from './timeline/reducer.ts'

const at = '2025-01-01T00:00:00.000Z'
const events = [
  { type: 'text.delta', data: { messageId: 'm1', partId: 'p1', delta: 'Hel' }, seq: 1, at },
  { type: 'text.delta', data: { messageId: 'm1', partId: 'p1', delta: 'lo' }, seq: 2, at },
  { type: 'text.done', data: { messageId: 'm1', partId: 'p1', text: 'Hello' }, seq: 3, at },
] as SessionEvent[]

afterEach(() => vi.unstubAllGlobals())

describe('checking a session log', () => {
  it('accepts events with rising sequences', () => {
    expect(checkLog({ events })).toBe(events)
    expect(checkLog({ events: [] })).toEqual([])
  })

  it('refuses a document without an event list', () => {
    expect(() => checkLog(null)).toThrow('no event list')
    expect(() => checkLog({ events: {} })).toThrow('no event list')
  })

  it('refuses sequences that do not rise, and events without type, time or data', () => {
    expect(() => checkLog({ events: [events[1], events[0]] })).toThrow('rising sequence')
    expect(() => checkLog({ events: [{ ...events[0], seq: 1.5 }] })).toThrow('rising sequence')
    expect(() => checkLog({ events: [{ ...events[0], type: 7 }] })).toThrow('no type')
    expect(() => checkLog({ events: [{ ...events[0], at: undefined }] })).toThrow('no timestamp')
    expect(() => checkLog({ events: [{ ...events[0], data: null }] })).toThrow('no data')
  })

  it('lets through an event type this page does not know: the fold passes over it', () => {
    const unknown = { type: 'something.new', data: {}, seq: 4, at }
    const checked = checkLog({ events: [...events, unknown] })
    expect(reduceEvents(emptyTimeline, checked)).toMatchObject({
      lastSeq: 4,
      items: reduceEvents(emptyTimeline, events).items,
    })
  })
})

describe('folding a session log', () => {
  it('reads the document and folds it as the stream would have', async () => {
    const fetch = vi.fn(async () => Response.json({ events }))
    vi.stubGlobal('fetch', fetch)
    expect(await foldSessionLog('http://app.test/api/sessions/s1/log')).toEqual(
      reduceEvents(emptyTimeline, events),
    )
    expect(fetch).toHaveBeenCalledWith('http://app.test/api/sessions/s1/log', expect.anything())
  })

  it('fails on an answer that is not 2xx', async () => {
    vi.stubGlobal('fetch', async () => Response.json({ error: { code: 'not_found' } }, { status: 404 }))
    await expect(foldSessionLog('http://app.test/api/sessions/s1/log')).rejects.toThrow('HTTP 404')
  })
})
