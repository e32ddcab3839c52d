import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { type CgroupLayout, detectCgroups, SandboxCgroup } from './cgroups.ts'

/**
 * The cgroup files written and read, on both versions. This machine's cgroups are hybrid (memory/cpu/pids in v1
 * only), so the real-sandbox tests run on v1; v2, what most hosts have, is checked here against a stand-in tree
 * of plain files, laid out as the kernel's.
 */

const limits = { memoryBytes: 512 * 1024 ** 2, swapBytes: 256 * 1024 ** 2, cpuMillicores: 1500, pidsMax: 300 }
let roots: string[] = []
const tempRoot = () => {
  const root = mkdtempSync(join(tmpdir(), 'aops-cgroups-'))
  roots.push(root)
  return root
}
afterEach(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true })
  roots = []
})
const read = (...path: string[]) => readFileSync(join(...path), 'utf8')

/** One line of /proc/self/mountinfo for a cgroup filesystem mounted at `mountPoint`. */
const mountLine = (id: number, mountPoint: string, type: 'cgroup' | 'cgroup2', options: string) =>
  `${id} 31 0:${id} / ${mountPoint} rw,relatime - ${type} ${type} ${options}`

describe('detectCgroups', () => {
  it('uses cgroup v2 when its controllers are there', () => {
    const v2 = tempRoot()
    writeFileSync(join(v2, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids rdma misc\n')
    expect(detectCgroups(mountLine(30, v2, 'cgroup2', 'rw,nsdelegate'))).toEqual({
      layout: { version: 2, root: v2 },
    })
  })

  it('on a hybrid host (v2 without controllers), uses the v1 hierarchies', () => {
    const v2 = tempRoot()
    writeFileSync(join(v2, 'cgroup.controllers'), '\n')
    const mountinfo = [
      mountLine(32, '/sys/fs/cgroup/cpu,cpuacct', 'cgroup', 'rw,cpu,cpuacct'),
      mountLine(35, '/sys/fs/cgroup/memory', 'cgroup', 'rw,memory'),
      mountLine(39, '/sys/fs/cgroup/pids', 'cgroup', 'rw,pids'),
      mountLine(41, v2, 'cgroup2', 'rw'),
    ].join('\n')
    expect(detectCgroups(mountinfo)).toEqual({
      layout: {
        version: 1,
        memory: '/sys/fs/cgroup/memory',
        cpu: '/sys/fs/cgroup/cpu,cpuacct',
        pids: '/sys/fs/cgroup/pids',
      },
    })
  })

  it('says what is missing when a controller is in neither', () => {
    const detected = detectCgroups(mountLine(35, '/sys/fs/cgroup/memory', 'cgroup', 'rw,memory'))
    expect(detected).toEqual({
      problem:
        'the memory, cpu and pids cgroup controllers are not all available (cgroup v2 at none; v1: memory)',
    })
  })
})

describe('SandboxCgroup on cgroup v2', () => {
  function v2Tree() {
    const root = tempRoot()
    // The kernel makes a cgroup's interface files; the stand-in has them made by the test.
    const dir = join(root, 'agent-ops', 'srv', 'ses_a')
    mkdirSync(dir, { recursive: true })
    const layout: CgroupLayout = { version: 2, root }
    return { root, dir, cgroup: new SandboxCgroup(layout, 'agent-ops/srv', 'ses_a') }
  }

  it('enables the controllers down the tree, then sets memory, swap, CPU cap and weight, and process count', async () => {
    const { root, dir, cgroup } = v2Tree()
    await cgroup.create(limits)
    for (const level of [root, join(root, 'agent-ops'), join(root, 'agent-ops', 'srv')])
      expect(read(level, 'cgroup.subtree_control')).toBe('+memory +cpu +pids')
    expect(read(dir, 'memory.max')).toBe(String(512 * 1024 ** 2))
    expect(read(dir, 'memory.swap.max')).toBe(String(256 * 1024 ** 2))
    expect(read(dir, 'cpu.max')).toBe('150000 100000') // 1.5 cores: 150 ms per 100 ms period
    expect(read(dir, 'cpu.weight')).toBe('150') // as 1.5 ordinary processes (100 each)
    expect(read(root, 'agent-ops', 'cpu.weight')).toBe(String(100 * cpus().length))
    expect(read(dir, 'pids.max')).toBe('300')
    expect(cgroup.dirs).toEqual([dir])
    expect(cgroup.procsFiles).toEqual([join(dir, 'cgroup.procs')])
  })

  it('reads OOM kills, refused forks and memory in use from the v2 files', async () => {
    const { dir, cgroup } = v2Tree()
    writeFileSync(join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 0\n')
    writeFileSync(join(dir, 'pids.events'), 'max 7\n')
    writeFileSync(join(dir, 'memory.current'), '123456\n')
    writeFileSync(join(dir, 'cgroup.procs'), '101\n102\n')
    expect(await cgroup.events()).toEqual({ oomKills: 2, pidsLimitHits: 7, memoryBytes: 123456 })
    expect(await cgroup.pids()).toEqual([101, 102])
  })
})

describe('SandboxCgroup on cgroup v1', () => {
  function v1Tree(withSwapAccounting: boolean) {
    const root = tempRoot()
    const layout: CgroupLayout = {
      version: 1,
      memory: join(root, 'memory'),
      cpu: join(root, 'cpu'),
      pids: join(root, 'pids'),
    }
    const dir = (controller: string) => join(root, controller, 'agent-ops', 'srv', 'ses_b')
    for (const controller of ['memory', 'cpu', 'pids']) mkdirSync(dir(controller), { recursive: true })
    if (withSwapAccounting) writeFileSync(join(dir('memory'), 'memory.memsw.limit_in_bytes'), '')
    return { dir, cgroup: new SandboxCgroup(layout, 'agent-ops/srv', 'ses_b') }
  }

  it('sets memory (+swap where accounted), the CFS quota and shares, and process count', async () => {
    const { dir, cgroup } = v1Tree(true)
    await cgroup.create(limits)
    expect(read(dir('memory'), 'memory.limit_in_bytes')).toBe(String(512 * 1024 ** 2))
    expect(read(dir('memory'), 'memory.memsw.limit_in_bytes')).toBe(String(768 * 1024 ** 2))
    expect(read(dir('cpu'), 'cpu.cfs_period_us')).toBe('100000')
    expect(read(dir('cpu'), 'cpu.cfs_quota_us')).toBe('150000')
    expect(read(dir('cpu'), 'cpu.shares')).toBe('1536') // as 1.5 ordinary processes (1024 each)
    expect(read(dir('pids'), 'pids.max')).toBe('300')
    expect(cgroup.dirs).toEqual([dir('memory'), dir('cpu'), dir('pids')])
  })

  it('without swap accounting, leaves swap alone', async () => {
    const { dir, cgroup } = v1Tree(false)
    await cgroup.create(limits)
    expect(() => read(dir('memory'), 'memory.memsw.limit_in_bytes')).toThrow(/ENOENT/)
  })

  it('reads OOM kills, refused forks and memory in use from the v1 files', async () => {
    const { dir, cgroup } = v1Tree(false)
    writeFileSync(join(dir('memory'), 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 4\n')
    writeFileSync(join(dir('pids'), 'pids.events'), 'max 9\n')
    writeFileSync(join(dir('memory'), 'memory.usage_in_bytes'), '654321\n')
    expect(await cgroup.events()).toEqual({ oomKills: 4, pidsLimitHits: 9, memoryBytes: 654321 })
  })
})
