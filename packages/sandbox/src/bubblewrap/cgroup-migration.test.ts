import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { primeCgroupMigration } from './cgroup-migration.ts'
import { detectCgroups } from './cgroups.ts'

describe('primeCgroupMigration', () => {
  // As the server runs it: as root, on a host with the controllers sandboxes need.
  it('writes this process into its own cgroup: accepted, nothing moved', async () => {
    const cgroups = detectCgroups()
    if (!('layout' in cgroups)) throw new Error(cgroups.problem)
    const before = readFileSync('/proc/self/cgroup', 'utf8')
    expect(await primeCgroupMigration(cgroups.layout)).toBe(true)
    expect(readFileSync('/proc/self/cgroup', 'utf8')).toBe(before)
  })

  it('resolves false, and throws nothing, where there is no cgroup of its to write', async () => {
    expect(
      await primeCgroupMigration({
        version: 1,
        memory: '/nonexistent',
        cpu: '/nonexistent',
        pids: '/nonexistent',
      }),
    ).toBe(false)
  })
})
