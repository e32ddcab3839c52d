import type { SandboxUsage } from '@agent-ops/sandbox'
import { describe, expect, it } from 'vitest'
import { limitHits } from './sandbox-monitor.ts'

const MiB = 1024 ** 2
const usage = (u: Partial<SandboxUsage> = {}): SandboxUsage => ({
  memoryBytes: 100 * MiB,
  oomKills: 0,
  pidsLimitHits: 0,
  diskUsedBytes: 10 * MiB,
  diskBytes: 100 * MiB,
  ...u,
})

describe('limitHits', () => {
  it('reports new OOM kills and refused forks once each', () => {
    const first = limitHits(undefined, usage({ oomKills: 1 }), false)
    expect(first.hits.map((h) => h.limit)).toEqual(['memory'])
    expect(limitHits(usage({ oomKills: 1 }), usage({ oomKills: 1 }), false).hits).toEqual([])
    expect(limitHits(usage(), usage({ pidsLimitHits: 7 }), false).hits[0]?.message).toMatch(/7 fork/)
  })
  it('reports a full disk once, and again only after it was freed', () => {
    const full = usage({ diskUsedBytes: 99 * MiB })
    const once = limitHits(usage(), full, false)
    expect(once.hits.map((h) => h.limit)).toEqual(['disk'])
    expect(limitHits(full, full, once.diskReported).hits).toEqual([])
    const freed = limitHits(full, usage(), true)
    expect(freed.diskReported).toBe(false)
  })
})
