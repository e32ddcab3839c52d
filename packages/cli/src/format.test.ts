import type { Session } from '@agent-ops/protocol'
import { describe, expect, it } from 'vitest'
import { formatAge, formatSession, formatSessionList } from './format.ts'

const now = new Date('2025-01-01T12:00:00.000Z')
const session = (over: Partial<Session>): Session => ({
  id: 'ses_1',
  title: 'Make a demo',
  status: 'ready',
  statusReason: null,
  queuedMessages: 0,
  model: 'demo/scripted',
  permissionPolicy: 'allow',
  usage: {
    inputTokens: 1500,
    outputTokens: 20,
    reasoningTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: 0,
  },
  lastEventSeq: 12,
  owner: { id: 'usr_1', name: 'Ada Admin', email: 'ada@example.com' },
  visibility: 'private',
  createdAt: '2025-01-01T11:00:00.000Z',
  updatedAt: '2025-01-01T11:57:00.000Z',
  ...over,
})

describe('format', () => {
  it('ages', () => {
    expect(formatAge('2025-01-01T11:59:30.000Z', now)).toBe('30s ago')
    expect(formatAge('2025-01-01T09:00:00.000Z', now)).toBe('3h ago')
    expect(formatAge('2024-12-25T12:00:00.000Z', now)).toBe('7d ago')
  })

  it('lists sessions as an aligned table', () => {
    const out = formatSessionList(
      [session({}), session({ id: 'ses_22', status: 'working', title: 'x'.repeat(60) })],
      now,
    )
    const lines = out.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^ID {6}STATUS {3}TITLE {2,}MODEL {2,}UPDATED$/)
    expect(lines[1]).toMatch(/^ses_1 {3}ready {4}Make a demo {2,}demo\/scripted {2}3m ago$/)
    expect(lines[2]).toContain(`${'x'.repeat(47)}…`)
    expect(formatSessionList([], now)).toContain('No sessions yet')
  })

  it('shows one session', () => {
    const out = formatSession(session({ status: 'failed', statusReason: 'boot timed out' }))
    expect(out).toContain('status:  failed (boot timed out)\n')
    expect(out).toContain('tokens:  1,500 in, 20 out\n')
    expect(out).toContain('cost:    $0.00\n')
  })
})
