import { SessionStatus } from '@agent-ops/protocol'
import { describe, expect, it } from 'vitest'
import { canDispatch, canTransition, deadlineMs, decideMessage, statusAfterAgentStatus } from './lifecycle.ts'

const all = SessionStatus.options

describe('canTransition', () => {
  it('follows the documented lifecycle', () => {
    const path = [
      'pending',
      'provisioning',
      'starting',
      'ready',
      'working',
      'ready',
      'hibernating',
      'hibernated',
      'resuming',
      'ready',
      'stopping',
      'stopped',
    ] as const
    for (let i = 1; i < path.length; i++)
      expect(canTransition(path[i - 1]!, path[i]!), `${path[i - 1]} -> ${path[i]}`).toBe(true)
  })

  it('lets every live state fail or stop, and nothing leave stopped', () => {
    for (const from of all) {
      if (from === 'stopped') {
        expect(all.filter((to) => canTransition(from, to))).toEqual([])
        continue
      }
      if (from !== 'failed') expect(canTransition(from, 'failed'), from).toBe(true)
      if (from !== 'stopping') expect(canTransition(from, 'stopping'), from).toBe(true)
    }
  })

  it('refuses shortcuts', () => {
    expect(canTransition('pending', 'ready')).toBe(false)
    expect(canTransition('hibernated', 'working')).toBe(false)
    expect(canTransition('failed', 'ready')).toBe(false)
    expect(canTransition('working', 'working')).toBe(false)
  })
})

describe('statusAfterAgentStatus', () => {
  it('maps busy and idle onto working and ready', () => {
    expect(statusAfterAgentStatus('ready', 'busy')).toBe('working')
    expect(statusAfterAgentStatus('ready', 'retry')).toBe('working')
    expect(statusAfterAgentStatus('working', 'idle')).toBe('ready')
  })
  it('ignores reports that change nothing or come in other states', () => {
    expect(statusAfterAgentStatus('working', 'busy')).toBeUndefined()
    expect(statusAfterAgentStatus('ready', 'idle')).toBeUndefined()
    expect(statusAfterAgentStatus('starting', 'busy')).toBeUndefined()
    expect(statusAfterAgentStatus('stopping', 'idle')).toBeUndefined()
  })
})

describe('decideMessage', () => {
  it('sends at once to a ready agent', () => {
    expect(decideMessage('ready', 'followup')).toEqual({
      action: 'enqueue',
      abortFirst: false,
      queued: false,
    })
    expect(decideMessage('ready', 'steer')).toEqual({ action: 'enqueue', abortFirst: false, queued: false })
  })
  it('queues follow-ups behind a working agent; steer aborts first', () => {
    expect(decideMessage('working', 'followup')).toEqual({
      action: 'enqueue',
      abortFirst: false,
      queued: true,
    })
    expect(decideMessage('working', 'steer')).toEqual({ action: 'enqueue', abortFirst: true, queued: false })
  })
  it('queues while the sandbox boots', () => {
    for (const s of ['pending', 'provisioning', 'starting'] as const)
      expect(decideMessage(s, 'followup')).toMatchObject({ queued: true })
  })
  it('rejects messages to stopped or failed sessions with a reason', () => {
    for (const s of ['stopped', 'stopping', 'failed'] as const)
      expect(decideMessage(s, 'followup').action).toBe('reject')
  })
})

describe('canDispatch and deadlines', () => {
  it('dispatches only to a ready session with a connected runner', () => {
    expect(canDispatch('ready', true)).toBe(true)
    expect(canDispatch('ready', false)).toBe(false)
    expect(canDispatch('working', true)).toBe(false)
  })
  it('guards every transient state with a deadline and no stable one', () => {
    const limits = { bootTimeoutMs: 111, stopTimeoutMs: 222 }
    for (const s of ['pending', 'provisioning', 'starting', 'resuming'] as const)
      expect(deadlineMs(s, limits)).toBe(111)
    for (const s of ['stopping', 'hibernating'] as const) expect(deadlineMs(s, limits)).toBe(222)
    for (const s of ['ready', 'working', 'hibernated', 'stopped', 'failed'] as const)
      expect(deadlineMs(s, limits)).toBeUndefined()
  })
})
