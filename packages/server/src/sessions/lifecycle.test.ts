import { SessionStatus } from '@agent-ops/protocol'
import { describe, expect, it } from 'vitest'
import {
  canDispatch,
  canTransition,
  deadlineMs,
  decideMessage,
  decideRecovery,
  needsResume,
  shouldHibernate,
  statusAfterAgentStatus,
} from './lifecycle.ts'

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

describe('hibernation decisions', () => {
  it('resumes hibernated sessions on a message', () => {
    expect(needsResume('hibernated')).toBe(true)
    expect(needsResume('hibernating')).toBe(true)
    expect(needsResume('ready')).toBe(false)
  })
  it('hibernates only an idle ready session with nothing queued, and never with a 0 timeout', () => {
    expect(shouldHibernate('ready', 0, 1000)).toBe(true)
    expect(shouldHibernate('ready', 1, 1000)).toBe(false)
    expect(shouldHibernate('working', 0, 1000)).toBe(false)
    expect(shouldHibernate('ready', 0, 0)).toBe(false)
  })
})

describe('decideRecovery', () => {
  it('re-adopts live sandboxes', () => {
    for (const s of ['starting', 'ready', 'working', 'resuming'] as const)
      expect(decideRecovery(s, 'running')).toEqual({ action: 'readopt' })
  })
  it('hibernates an idle session whose sandbox died with its files intact', () => {
    expect(decideRecovery('ready', 'stopped')).toEqual({ action: 'hibernate' })
    expect(decideRecovery('hibernating', 'running')).toEqual({ action: 'hibernate' })
  })
  it('fails a session whose sandbox died mid-work, with a reason', () => {
    for (const s of ['working', 'starting', 'pending', 'provisioning'] as const)
      expect(decideRecovery(s, 'missing')).toMatchObject({ action: 'fail' })
    expect(decideRecovery('working', 'stopped')).toMatchObject({ action: 'fail' })
  })
  it('finishes a stop and leaves settled sessions alone', () => {
    expect(decideRecovery('stopping', 'running')).toEqual({ action: 'teardown-then', to: 'stopped' })
    for (const s of ['hibernated', 'stopped', 'failed'] as const)
      expect(decideRecovery(s, 'missing')).toEqual({ action: 'none' })
  })
})
