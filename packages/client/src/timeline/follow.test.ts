import type { SessionEvent, SessionEventBody } from '@agent-ops/protocol'
import { emptyTimeline, reduceEvents, type TimelineState } from '@agent-ops/protocol/timeline'
import { describe, expect, it } from 'vitest'
import { followSession, reduceAction, type SessionSource } from './follow.ts'

const at = '2025-01-01T00:00:00.000Z'
const delta = (seq: number, text: string): SessionEvent =>
  ({
    type: 'text.delta',
    data: { messageId: 'm1', partId: 'p1', delta: text },
    seq,
    at,
  }) as SessionEventBody as SessionEvent
const log = [delta(1, 'a'), delta(2, 'b'), delta(3, 'c')]
const folded = reduceEvents(emptyTimeline, log)

/** A source whose stream yields `batches`, recording where each follow started. */
function source(timeline: () => Promise<TimelineState>, batches: SessionEvent[][]) {
  const followedAfter: number[] = []
  const fake: SessionSource = {
    timeline,
    async *follow(after) {
      followedAfter.push(after)
      for (const batch of batches) yield batch.filter((event) => event.seq > after)
    },
  }
  return { fake, followedAfter }
}

async function run(fake: SessionSource, signal = new AbortController().signal) {
  const calls: string[] = []
  let state = emptyTimeline
  await followSession(
    fake,
    {
      folded: (next) => {
        calls.push(`folded@${next.lastSeq}`)
        state = reduceAction(state, { folded: next })
      },
      events: (batch) => {
        calls.push(`events ${batch.map((event) => event.seq).join(',')}`)
        state = reduceAction(state, batch)
      },
    },
    signal,
  )
  return { calls, state }
}

describe('following a session', () => {
  it('applies the folded log at once, then follows the stream from after its last event', async () => {
    const { fake, followedAfter } = source(async () => folded, [[...log, delta(4, 'd')], [delta(5, 'e')]])
    const { calls, state } = await run(fake)
    expect(followedAfter).toEqual([3])
    expect(calls).toEqual(['folded@3', 'events 4', 'events 5'])
    expect(state).toEqual(reduceEvents(emptyTimeline, [...log, delta(4, 'd'), delta(5, 'e')]))
  })

  it('lets the stream replay the log when it cannot be folded', async () => {
    const { fake, followedAfter } = source(() => Promise.reject(new Error('HTTP 500')), [log])
    const { calls, state } = await run(fake)
    expect(followedAfter).toEqual([0])
    expect(calls).toEqual(['events 1,2,3'])
    expect(state).toEqual(folded)
  })

  it('follows from the start when the log is empty', async () => {
    const { fake, followedAfter } = source(async () => emptyTimeline, [log])
    const { calls } = await run(fake)
    expect(followedAfter).toEqual([0])
    expect(calls).toEqual(['events 1,2,3'])
  })

  it('does not follow once aborted', async () => {
    const controller = new AbortController()
    const { fake, followedAfter } = source(async () => {
      controller.abort()
      return folded
    }, [log])
    const { calls } = await run(fake, controller.signal)
    expect(followedAfter).toEqual([])
    expect(calls).toEqual([])
  })

  it('ends with the error the stream ends with', async () => {
    const fake: SessionSource = {
      timeline: async () => folded,
      // biome-ignore lint/correctness/useYield: a stream that fails before its first batch.
      async *follow() {
        throw new Error('HTTP 404')
      },
    }
    await expect(run(fake)).rejects.toThrow('HTTP 404')
  })
})

describe('timeline actions', () => {
  it('a folded log replaces a timeline behind it, never one level with or ahead of it', () => {
    expect(reduceAction(emptyTimeline, { folded })).toBe(folded)
    const ahead = reduceEvents(folded, [delta(4, 'd')])
    expect(reduceAction(ahead, { folded })).toBe(ahead)
    expect(reduceAction(folded, { folded: reduceEvents(emptyTimeline, log) })).toBe(folded)
  })
})
