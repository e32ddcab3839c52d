import type { AgentEvent } from '@agent-ops/protocol'
import { describe, expect, it } from 'vitest'
import { EventBuffer } from '../src/event-buffer.ts'

const delta = (delta: string, partId = 'prt_1'): AgentEvent => ({
  type: 'text.delta',
  data: { messageId: 'msg_1', partId, delta },
})
const status = (s: 'busy' | 'idle'): AgentEvent => ({ type: 'agent.status', data: { status: s } })

describe('EventBuffer', () => {
  it('numbers events when sent and keeps them until acknowledged', () => {
    const buffer = new EventBuffer(10)
    buffer.push(status('busy'))
    buffer.push(delta('a'))
    expect(buffer.takeUnsent()).toEqual([
      { seq: 1, event: status('busy') },
      { seq: 2, event: delta('a') },
    ])
    buffer.push(status('idle'))
    expect(buffer.takeUnsent()).toEqual([{ seq: 3, event: status('idle') }])
    expect(buffer.size).toBe(3)
    buffer.ack(2)
    expect(buffer.size).toBe(1)
    buffer.ack(3)
    expect(buffer.size).toBe(0)
  })

  it('resends, after a welcome, what the server does not have', () => {
    const buffer = new EventBuffer(10)
    for (const text of ['a', 'b', 'c', 'd']) buffer.push(delta(text))
    buffer.takeUnsent()
    buffer.ack(1)
    expect(buffer.resume(2).map((s) => s.seq)).toEqual([3, 4])
    buffer.push(status('idle'))
    expect(buffer.takeUnsent()).toEqual([{ seq: 5, event: status('idle') }])
  })

  it('never reuses a sequence number the server already stored', () => {
    const buffer = new EventBuffer(10)
    expect(buffer.resume(7)).toEqual([])
    buffer.push(status('busy'))
    expect(buffer.takeUnsent()[0]?.seq).toBe(8)
  })

  it('when full, merges consecutive deltas of one part instead of dropping', () => {
    const buffer = new EventBuffer(4)
    buffer.push(status('busy'))
    buffer.push(delta('a'))
    buffer.push(delta('b'))
    buffer.push(delta('c'))
    const result = buffer.push(status('idle'))
    expect(result).toEqual({ merged: 2, dropped: 0, overCapacity: false })
    expect(buffer.takeUnsent().map((s) => s.event)).toEqual([status('busy'), delta('abc'), status('idle')])
  })

  it('when merging is not enough, drops the oldest deltas and nothing else', () => {
    const buffer = new EventBuffer(3)
    buffer.push(delta('a', 'prt_1'))
    buffer.push(status('busy'))
    buffer.push(delta('b', 'prt_2'))
    const result = buffer.push(status('idle'))
    expect(result).toEqual({ merged: 0, dropped: 1, overCapacity: false })
    expect(buffer.takeUnsent().map((s) => s.event)).toEqual([
      status('busy'),
      delta('b', 'prt_2'),
      status('idle'),
    ])
  })

  it('drops unsent deltas before sent ones, so no sequence number goes missing', () => {
    const buffer = new EventBuffer(3)
    buffer.push(delta('sent'))
    buffer.takeUnsent()
    buffer.push(delta('waiting', 'prt_2'))
    buffer.push(status('busy'))
    buffer.push(status('idle'))
    expect(buffer.resume(0).map((s) => s.event)).toEqual([delta('sent')])
    expect(buffer.takeUnsent().map((s) => s.event)).toEqual([status('busy'), status('idle')])
  })

  it('grows past capacity rather than drop anything but deltas', () => {
    const buffer = new EventBuffer(2)
    buffer.push(status('busy'))
    buffer.push(status('idle'))
    expect(buffer.push(status('busy'))).toEqual({ merged: 0, dropped: 0, overCapacity: true })
    expect(buffer.size).toBe(3)
  })
})
