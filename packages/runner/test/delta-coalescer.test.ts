import type { AgentEvent } from '@agent-ops/protocol'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DeltaCoalescer } from '../src/delta-coalescer.ts'

const delta = (delta: string, partId = 'prt_1'): AgentEvent => ({
  type: 'text.delta',
  data: { messageId: 'msg_1', partId, delta },
})
const done = (text: string, partId = 'prt_1'): AgentEvent => ({
  type: 'text.done',
  data: { messageId: 'msg_1', partId, text },
})

describe('DeltaCoalescer', () => {
  let out: AgentEvent[]
  let coalescer: DeltaCoalescer
  beforeEach(() => {
    vi.useFakeTimers()
    out = []
    coalescer = new DeltaCoalescer((event) => out.push(event), 25)
  })
  afterEach(() => {
    coalescer.close()
    vi.useRealTimers()
  })

  it('sends the first delta of a burst at once and merges the rest per tick', () => {
    coalescer.push(delta('Hel'))
    expect(out).toEqual([delta('Hel')])
    coalescer.push(delta('lo'))
    coalescer.push(delta(', wor'))
    expect(out).toHaveLength(1)
    vi.advanceTimersByTime(25)
    expect(out).toEqual([delta('Hel'), delta('lo, wor')])
    coalescer.push(delta('ld'))
    vi.advanceTimersByTime(25)
    expect(out.at(-1)).toEqual(delta('ld'))
  })

  it('sends at once again after a quiet interval', () => {
    coalescer.push(delta('a'))
    vi.advanceTimersByTime(25) // nothing pending: the burst ends
    coalescer.push(delta('b'))
    expect(out).toEqual([delta('a'), delta('b')])
  })

  it('flushes pending text before any other event, keeping the order', () => {
    coalescer.push(delta('a'))
    coalescer.push(delta('b'))
    coalescer.push(done('ab'))
    expect(out).toEqual([delta('a'), delta('b'), done('ab')])
  })

  it('does not merge deltas of different parts', () => {
    coalescer.push(delta('a', 'prt_1'))
    coalescer.push(delta('b', 'prt_1'))
    coalescer.push(delta('c', 'prt_2'))
    coalescer.push(delta('d', 'prt_2'))
    vi.advanceTimersByTime(25)
    expect(out).toEqual([delta('a', 'prt_1'), delta('b', 'prt_1'), delta('cd', 'prt_2')])
  })

  it('does not alter the events it was given', () => {
    const first = delta('x')
    const second = delta('y')
    coalescer.push(first)
    coalescer.push(second)
    coalescer.push(delta('z'))
    vi.advanceTimersByTime(25)
    expect(second).toEqual(delta('y'))
  })

  it('close() sends what is pending', () => {
    coalescer.push(delta('a'))
    coalescer.push(delta('b'))
    coalescer.close()
    expect(out).toEqual([delta('a'), delta('b')])
  })
})
