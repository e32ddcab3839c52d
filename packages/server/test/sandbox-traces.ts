import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { detectCgroups } from '@agent-ops/sandbox'
import { uidPoolDir } from './harness.ts'

/**
 * Everything a bubblewrap sandbox leaves on the host, found the way an operator would: mounts, cgroup
 * directories, uid allocations, processes, files. Empty lists mean no trace.
 */
export type SandboxTraces = {
  mounts: string[]
  cgroups: string[]
  uidAllocations: string[]
  processes: number[]
  files: string[]
}

/** Mount points at or below `dir` in this machine's mount table. */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((point) => point.startsWith(`${dir}/`) || point === dir)
}

/**
 * Removes a sandboxes' root directory that a killed server left behind: what is still mounted there (its spare
 * volumes) is unmounted first, or the removal would fail on a busy mount point.
 */
export function removeSandboxRoot(dir: string) {
  for (const point of mountsUnder(dir).reverse()) execFileSync('umount', ['-l', point])
  rmSync(dir, { recursive: true, force: true })
}

export function sandboxTraces(sandboxDir: string, sandboxId: string): SandboxTraces {
  const dir = join(sandboxDir, sandboxId)
  const mounts = mountsUnder(dir)
  const detected = detectCgroups()
  const roots =
    'layout' in detected
      ? detected.layout.version === 2
        ? [detected.layout.root]
        : [detected.layout.memory, detected.layout.cpu, detected.layout.pids]
      : []
  const cgroups: string[] = []
  for (const root of roots) {
    const parent = join(root, 'agent-ops')
    for (const tag of existsSync(parent) ? readdirSync(parent) : []) {
      const candidate = join(parent, tag, sandboxId)
      if (existsSync(candidate)) cgroups.push(candidate)
    }
  }
  const uidAllocations = (existsSync(uidPoolDir) ? readdirSync(uidPoolDir) : []).filter((uid) => {
    try {
      return readFileSync(join(uidPoolDir, uid), 'utf8') === dir
    } catch {
      return false
    }
  })
  const processes: number[] = []
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(`/${sandboxId}\n`)) processes.push(Number(pid))
    } catch {
      // Exited meanwhile.
    }
  }
  return { mounts, cgroups, uidAllocations, processes, files: existsSync(dir) ? [dir] : [] }
}

export const noTraces: SandboxTraces = {
  mounts: [],
  cgroups: [],
  uidAllocations: [],
  processes: [],
  files: [],
}
