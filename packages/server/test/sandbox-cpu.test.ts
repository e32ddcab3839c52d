import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RunnerLaunch, SandboxHandle } from '@agent-ops/sandbox'
import { afterAll, describe, expect, it } from 'vitest'
import { bubblewrapProvider } from './harness.ts'

// No server to connect to: the runner keeps retrying, which is all this test needs of it.
const launch: RunnerLaunch = {
  controlUrl: 'ws+unix:///run/agent-ops/control.sock:/internal/runner',
  controlToken: 'cpu-test-control-token',
  opencodeConfig: { provider: {}, model: 'openai-compatible/scripted-model' },
}
const cpuMillicores = 500

/**
 * The directory of the session's cgroup that holds the CPU controller, from a process of the sandbox: cgroup v2's
 * single hierarchy (`0::/path`) or v1's `cpu` hierarchy (`N:cpu,cpuacct:/path` or `N:cpu:/path`).
 */
function cpuCgroupOf(sessionId: string): string {
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let lines: string[]
    try {
      lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n')
    } catch {
      continue // exited meanwhile
    }
    if (!lines.some((line) => line.endsWith(`/${sessionId}`))) continue
    const v1 = lines.find((line) => line.split(':')[1]?.split(',').includes('cpu'))
    if (v1) return join('/sys/fs/cgroup', v1.split(':')[1]!, v1.split(':')[2]!)
    return join('/sys/fs/cgroup', lines.find((line) => line.startsWith('0::'))!.slice(3))
  }
  throw new Error(`no process of ${sessionId} found`)
}

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
    await provider.start(handle, launch)
    const cgroup = cpuCgroupOf('ses_cpu_cap')
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
