import type { SessionEvent, SessionStatus } from '@agent-ops/protocol'
import { describe, expect, it } from 'vitest'
import { type FollowProgress, type FollowUntil, stopDecision } from './follow.ts'

const status = (s: SessionStatus, seq: number): SessionEvent => ({
  type: 'session.status',
  data: { status: s },
  seq,
  at: '2025-01-01T00:00:00.000Z',
})

/** The index of the event that ends the follow, and its exit code. */
function run(until: Exclude<FollowUntil, 'caught-up'>, statuses: SessionStatus[]) {
  let progress: FollowProgress = { sawWorking: false }
  for (const [i, s] of statuses.entries()) {
    const decision = stopDecision(until, progress, status(s, i + 1))
    progress = decision.progress
    if (decision.exitCode !== null) return { at: i, exitCode: decision.exitCode }
  }
  return null
}

describe('stopDecision', () => {
  const boot: SessionStatus[] = ['pending', 'provisioning', 'starting', 'ready']

  it('turn-end stops when the session is back to ready after working, not at the first ready', () => {
    expect(run('turn-end', [...boot, 'working', 'ready'])).toEqual({ at: 5, exitCode: 0 })
    expect(run('turn-end', boot)).toBeNull()
  })

  it('stopped keeps following through turns and stops at stopped/failed', () => {
    expect(run('stopped', [...boot, 'working', 'ready', 'working', 'ready'])).toBeNull()
    expect(run('stopped', [...boot, 'working', 'ready', 'stopping', 'stopped'])).toEqual({
      at: 7,
      exitCode: 0,
    })
    expect(run('stopped', ['pending', 'failed'])).toEqual({ at: 1, exitCode: 1 })
  })

  it('turn-end exits 1 when the session fails during boot', () => {
    expect(run('turn-end', ['pending', 'provisioning', 'failed'])).toEqual({ at: 2, exitCode: 1 })
  })
})
