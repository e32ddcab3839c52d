import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdir, rm, rmdir } from 'node:fs/promises'
import { promisify } from 'node:util'

/**
 * The disk quota: a sandbox's writable files (workspace, home, runner state) live on their own ext4 file
 * system in a sparse image file, loop-mounted nosuid,nodev. Filling it hits ENOSPC inside the sandbox and
 * nowhere else. Works on any Linux host with loop devices, whatever the host file system is.
 */

const run = promisify(execFile)

/**
 * A new, empty volume image (not mounted); its root belongs to root until the provider hands it over. `background`:
 * formatted at the lowest CPU priority (a spare made ahead of time must not slow the session starting beside it).
 */
export async function formatVolume(image: string, sizeBytes: number, opts: { background?: boolean } = {}) {
  const command = (argv: string[]) =>
    opts.background ? run('nice', ['-n', '19', ...argv]) : run(argv[0]!, argv.slice(1))
  await command(['truncate', '-s', String(sizeBytes), image])
  // No journal and no reserved blocks: a scratch volume, recreated rather than repaired.
  await command(['mkfs.ext4', '-q', '-F', '-m', '0', '-O', '^has_journal', '-E', 'nodiscard', image])
}

export async function mountVolume(image: string, mountPoint: string) {
  if (isMounted(mountPoint)) return
  await mkdir(mountPoint, { recursive: true, mode: 0o711 })
  await run('mount', ['-o', 'loop,nosuid,nodev,noatime', image, mountPoint])
  // Direct I/O on the loop device: without it every written page is cached twice (the volume's file and the
  // image's), both charged to the sandbox's memory cgroup, and a disk-filling loop ends in an OOM kill.
  const device = mountSource(mountPoint)
  if (device?.startsWith('/dev/loop')) await run('losetup', ['--direct-io=on', device]).catch(() => {})
}

function mountSource(mountPoint: string): string | undefined {
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [left, right] = line.split(' - ')
    if (left?.split(' ')[4] === mountPoint) return right?.split(' ')[1]
  }
  return undefined
}

/** Unmounts (detaching the loop device) and removes the mount point. Idempotent. */
export async function unmountVolume(mountPoint: string) {
  if (isMounted(mountPoint)) {
    try {
      await run('umount', [mountPoint])
    } catch {
      // Busy (a process still has a file open): detach lazily; the loop device goes with the last user.
      await run('umount', ['-l', mountPoint])
    }
  }
  await rmdir(mountPoint).catch(() => {})
}

export async function removeVolume(image: string, mountPoint: string) {
  await unmountVolume(mountPoint)
  await rm(image, { force: true })
}

export function isMounted(mountPoint: string): boolean {
  return mountsUnder(mountPoint).includes(mountPoint)
}

/** Mount points at or below `prefix`, from the host's mount table. */
export function mountsUnder(prefix: string): string[] {
  const table = readFileSync('/proc/self/mountinfo', 'utf8')
  return table
    .split('\n')
    .map((line) => line.split(' ')[4]?.replace(/\\040/g, ' '))
    .filter((point): point is string => !!point && (point === prefix || point.startsWith(`${prefix}/`)))
}
