import { existsSync, readFileSync } from 'node:fs'
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises'
import { cpus } from 'node:os'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Per-sandbox cgroups for memory (+swap), CPU and process-count limits. cgroup v2 (one unified hierarchy) on
 * most hosts; cgroup v1 (one hierarchy per controller) where the controllers are only mounted there, as on
 * hybrid hosts whose v2 mount has no controllers.
 */

export type CgroupLimits = {
  memoryBytes: number
  /** Swap on top of memory; 0 disables swap for the sandbox. */
  swapBytes: number
  /** CPU time per wall-clock second, in thousandths of a core (1000 = one core). */
  cpuMillicores: number
  pidsMax: number
}

/** Counters of limit events since the cgroup was created. */
export type CgroupEvents = { oomKills: number; pidsLimitHits: number; memoryBytes: number }

export type CgroupLayout =
  | { version: 2; root: string }
  | { version: 1; memory: string; cpu: string; pids: string }

const needed = ['memory', 'cpu', 'pids'] as const

/** Where the controllers live, or undefined with the reason when memory/cpu/pids are not all available. */
export function detectCgroups(
  mountinfo = readFileSync('/proc/self/mountinfo', 'utf8'),
): { layout: CgroupLayout } | { problem: string } {
  const v1: Record<string, string> = {}
  let v2: string | undefined
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ')
    if (!left || !right) continue
    const mountPoint = left.split(' ')[4]
    const [fsType, , superOptions = ''] = right.split(' ')
    if (!mountPoint) continue
    if (fsType === 'cgroup2') v2 ??= mountPoint
    // The super options name the controllers of a v1 hierarchy, beside the read-write flag (`rw,cpu,cpuacct`).
    if (fsType === 'cgroup')
      for (const option of superOptions.split(','))
        if (option !== 'rw' && option !== 'ro') v1[option] ??= mountPoint
  }
  if (v2) {
    const controllers = readFileSync(join(v2, 'cgroup.controllers'), 'utf8').trim().split(/\s+/)
    if (needed.every((c) => controllers.includes(c))) return { layout: { version: 2, root: v2 } }
  }
  if (v1.memory && v1.cpu && v1.pids)
    return { layout: { version: 1, memory: v1.memory, cpu: v1.cpu, pids: v1.pids } }
  return {
    problem: `the memory, cpu and pids cgroup controllers are not all available (cgroup v2 at ${v2 ?? 'none'}; v1: ${
      Object.keys(v1).join(', ') || 'none'
    })`,
  }
}

/** One sandbox's cgroup (one directory per hierarchy under `<hierarchy>/<parent>/<name>`). */
export class SandboxCgroup {
  readonly #layout: CgroupLayout
  readonly #parent: string
  readonly #name: string

  constructor(layout: CgroupLayout, parent: string, name: string) {
    this.#layout = layout
    this.#parent = parent
    this.#name = name
  }

  get name(): string {
    return this.#name
  }

  /** Directories of this cgroup, one per hierarchy. */
  get dirs(): string[] {
    const l = this.#layout
    const roots = l.version === 2 ? [l.root] : [...new Set([l.memory, l.cpu, l.pids])]
    return roots.map((root) => join(root, this.#parent, this.#name))
  }

  /** The `cgroup.procs` files a process writes its pid into to join. */
  get procsFiles(): string[] {
    return this.dirs.map((dir) => join(dir, 'cgroup.procs'))
  }

  /**
   * CPU weight, not only a cap. A cgroup competes with its siblings as one scheduling entity of weight 1024 (v1
   * shares) or 100 (v2 weight): left at that default, a sandbox allowed two cores would, on a busy host, get
   * what one ordinary process gets, and all sandboxes together (under one parent) what one process gets. So
   * the sandbox weighs as many processes as it has cores, and the sandboxes' parents as many as the machine has.
   */
  #weights(limits: CgroupLimits) {
    const cores = limits.cpuMillicores / 1000
    return byVersion(this.#layout, {
      v1: { sandbox: clamp(Math.round(1024 * cores), 2, 262_144), parents: 1024 * cpus().length },
      v2: {
        sandbox: clamp(Math.round(100 * cores), 1, 10_000),
        parents: clamp(100 * cpus().length, 1, 10_000),
      },
    })
  }

  /** The parent directories under `root`, top down (`agent-ops`, `agent-ops/<tag>`). */
  #parents(root: string): string[] {
    const parts = this.#parent.split('/')
    return parts.map((_, i) => join(root, ...parts.slice(0, i + 1)))
  }

  async create(limits: CgroupLimits): Promise<void> {
    const l = this.#layout
    const weights = this.#weights(limits)
    if (l.version === 2) {
      const parents = this.#parents(l.root)
      await mkdir(parents.at(-1)!, { recursive: true })
      // Controllers must be enabled for children at every level from the root down.
      for (const dir of [l.root, ...parents])
        await writeFile(join(dir, 'cgroup.subtree_control'), '+memory +cpu +pids').catch(() => {})
      for (const dir of parents)
        await writeFile(join(dir, 'cpu.weight'), String(weights.parents)).catch(() => {})
      const dir = join(l.root, this.#parent, this.#name)
      await mkdir(dir, { recursive: true })
      await writeFile(join(dir, 'memory.max'), String(limits.memoryBytes))
      await writeFile(join(dir, 'memory.swap.max'), String(limits.swapBytes)).catch(() => {})
      await writeFile(join(dir, 'cpu.max'), `${limits.cpuMillicores * 100} 100000`)
      await writeFile(join(dir, 'cpu.weight'), String(weights.sandbox))
      await writeFile(join(dir, 'pids.max'), String(limits.pidsMax))
      return
    }
    for (const dir of this.dirs) await mkdir(dir, { recursive: true })
    const memory = join(l.memory, this.#parent, this.#name)
    await writeFile(join(memory, 'memory.limit_in_bytes'), String(limits.memoryBytes))
    // memsw exists only with swap accounting; without it swap is simply not limited separately.
    const memsw = join(memory, 'memory.memsw.limit_in_bytes')
    if (existsSync(memsw)) await writeFile(memsw, String(limits.memoryBytes + limits.swapBytes))
    const cpu = join(l.cpu, this.#parent, this.#name)
    await writeFile(join(cpu, 'cpu.cfs_period_us'), '100000')
    await writeFile(join(cpu, 'cpu.cfs_quota_us'), String(limits.cpuMillicores * 100))
    for (const dir of this.#parents(l.cpu))
      await writeFile(join(dir, 'cpu.shares'), String(weights.parents)).catch(() => {})
    await writeFile(join(cpu, 'cpu.shares'), String(weights.sandbox))
    await writeFile(join(l.pids, this.#parent, this.#name, 'pids.max'), String(limits.pidsMax))
  }

  async pids(): Promise<number[]> {
    const all = new Set<number>()
    for (const file of this.procsFiles) {
      const text = await readFile(file, 'utf8').catch(() => '')
      for (const line of text.split('\n')) if (line.trim()) all.add(Number(line))
    }
    return [...all]
  }

  async events(): Promise<CgroupEvents> {
    const l = this.#layout
    const read = (path: string) => readFile(path, 'utf8').catch(() => '')
    const field = (text: string, name: string) =>
      Number(text.match(new RegExp(`^${name} (\\d+)$`, 'm'))?.[1] ?? 0)
    if (l.version === 2) {
      const dir = join(l.root, this.#parent, this.#name)
      return {
        oomKills: field(await read(join(dir, 'memory.events')), 'oom_kill'),
        pidsLimitHits: field(await read(join(dir, 'pids.events')), 'max'),
        memoryBytes: Number((await read(join(dir, 'memory.current'))).trim() || 0),
      }
    }
    return {
      oomKills: field(await read(join(l.memory, this.#parent, this.#name, 'memory.oom_control')), 'oom_kill'),
      pidsLimitHits: field(await read(join(l.pids, this.#parent, this.#name, 'pids.events')), 'max'),
      memoryBytes: Number(
        (await read(join(l.memory, this.#parent, this.#name, 'memory.usage_in_bytes'))).trim() || 0,
      ),
    }
  }

  /** SIGKILLs every process left in the cgroup, until it is empty or `timeoutMs` passes. */
  async killAll(timeoutMs = 3_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const pids = await this.pids()
      if (pids.length === 0 || Date.now() > deadline) return
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL')
        } catch {
          // Already gone.
        }
      }
      await sleep(20)
    }
  }

  /** Kills what is left and removes the cgroup directories. Idempotent. */
  async remove(): Promise<void> {
    await this.killAll()
    for (const dir of this.dirs) {
      for (let attempt = 0; attempt < 50; attempt++) {
        try {
          await rmdir(dir)
          break
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code
          if (code === 'ENOENT') break
          if (code !== 'EBUSY') throw error
          await sleep(20) // exiting processes leave the cgroup a moment after SIGKILL
        }
      }
      // The per-server parent goes with its last sandbox (it is busy while others remain: fine).
      await rmdir(dirname(dir)).catch(() => {})
    }
  }

  async exists(): Promise<boolean> {
    return this.dirs.some((dir) => existsSync(dir))
  }
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value))

function byVersion<T>(layout: CgroupLayout, values: { v1: T; v2: T }): T {
  return layout.version === 2 ? values.v2 : values.v1
}

/** Names of the cgroups under `parent` (for finding leftovers after a crash). */
export async function listCgroups(layout: CgroupLayout, parent: string): Promise<string[]> {
  const root = layout.version === 2 ? layout.root : layout.memory
  const entries = await readdir(join(root, parent), { withFileTypes: true }).catch(() => [])
  return entries.filter((e) => e.isDirectory()).map((e) => e.name)
}
