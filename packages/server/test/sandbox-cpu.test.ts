import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { SandboxHandle } from '@agent-ops/sandbox'
import { afterAll, describe, expect, it } from 'vitest'
import { bubblewrapProvider, launchWithoutServer } from './harness.ts'
import { sandboxTraces } from './sandbox-traces.ts'

const cpuMillicores = 500

/** Times the cgroup ran out of its CPU quota for a period (v1 and v2 both name it so in cpu.stat). */
const throttledPeriods = (cgroup: string) =>
  Number(/^nr_throttled (\d+)$/m.exec(readFileSync(join(cgroup, 'cpu.stat'), 'utf8'))?.[1])

describe('a sandbox’s CPU is capped at its limit (as root)', () => {
  const rootDir = mkdtempSync(join(tmpdir(), 'aops-cpu-'))
  const provider = bubblewrapProvider(rootDir, {
    limits: { memoryBytes: 1024 ** 3, swapBytes: 0, cpuMillicores, pidsMax: 128, diskBytes: 64 * 1024 ** 2 },
  })
  let handle: SandboxHandle | undefined
  afterAll(async () => {
    if (handle) await provider.destroy(handle)
    await provider.close()
    rmSync(rootDir, { recursive: true, force: true })
  })

  it('busy loops get no more than the limit, and the cgroup records the throttling', async () => {
    handle = await provider.create({ sessionId: 'ses_cpu_cap' })
    await provider.start(handle, launchWithoutServer())
    // The session's cgroup directory that has the CPU controller's files (v2: its only one; v1: its cpu one).
    const cgroup = sandboxTraces(rootDir, 'ses_cpu_cap').cgroups.find((dir) =>
      existsSync(join(dir, 'cpu.stat')),
    )!
    const throttledBefore = throttledPeriods(cgroup)

    // Two busy loops for two seconds of wall time, each reporting the CPU time it got.
    const busy = await provider.exec(handle, [
      'sh',
      '-c',
      `for i in 1 2; do python3 -c '
import time
end = time.monotonic() + 2
while time.monotonic() < end: pass
print(time.process_time())' & done; wait`,
    ])
    expect(busy.exitCode, busy.stderr).toBe(0)
    const cpuSeconds = busy.stdout.trim().split('\n').map(Number)
    expect(cpuSeconds).toHaveLength(2)
    const total = cpuSeconds.reduce((sum, seconds) => sum + seconds, 0)
    // Uncapped they would get up to 4 s between them; at half a core, about 1 s (a little more: the last
    // period's quota and the processes' start). The runner and OpenCode share the same quota meanwhile.
    expect(total).toBeLessThan((cpuMillicores / 1000) * 2 * 1.3)
    expect(throttledPeriods(cgroup)).toBeGreaterThan(throttledBefore)
  }, 60_000)
})
