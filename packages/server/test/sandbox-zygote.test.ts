import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { SandboxHandle } from '@agent-ops/sandbox'
import { afterAll, describe, expect, it } from 'vitest'
import { bubblewrapProvider, launchWithoutServer } from './harness.ts'

const supervisorScript = fileURLToPath(new URL('../../sandbox/src/bubblewrap/supervisor.py', import.meta.url))

const launch = launchWithoutServer('zygote-test-control-token')

const statusField = (pid: number, field: string) =>
  Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])
const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')
/** The session id of `pid` (field 6 of /proc/PID/stat, after the command name in parentheses). */
const sessionOf = (pid: number) =>
  Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[3])
const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** A provider on a root of its own, for the describe block calling it; its sandboxes are destroyed after it. */
function providerUnderTest(prefix: string) {
  const rootDir = mkdtempSync(join(tmpdir(), prefix))
  const provider = bubblewrapProvider(rootDir)
  const handles: SandboxHandle[] = []
  afterAll(async () => {
    for (const handle of handles) await provider.destroy(handle)
    await provider.close()
    rmSync(rootDir, { recursive: true, force: true })
  })
  const supervisorOf = (sessionId: string) =>
    Number(readFileSync(join(rootDir, sessionId, 'supervisor.pid'), 'utf8'))
  return { rootDir, provider, handles, supervisorOf }
}

describe('supervisors are forked by a zygote, not by the server (as root)', () => {
  const { provider, handles, supervisorOf } = providerUnderTest('aops-zygote-')

  async function startOne(sessionId: string) {
    const handle = await provider.create({ sessionId })
    handles.push(handle)
    await provider.start(handle, launch)
    const supervisor = supervisorOf(sessionId)
    return { handle, supervisor, parent: statusField(supervisor, 'PPid') }
  }

  it('forks each supervisor, in a session of its own, with no secret on a command line or in its own environment', async () => {
    await provider.sweep(new Set()) // as at server start: the zygote is started ahead of the first session
    const first = await startOne('ses_zygote_a')
    expect(first.parent).not.toBe(process.pid)
    expect(cmdline(first.parent)).toMatch(/supervisor\.py zygote $/)
    expect(sessionOf(first.supervisor)).toBe(first.supervisor)
    expect(cmdline(first.supervisor)).not.toContain(launch.controlToken)
    expect(readFileSync(`/proc/${first.parent}/environ`, 'utf8')).not.toContain(launch.controlToken)
    // The runner got its environment all the same (it is what connects, with that token, to the server).
    const env = await provider.exec(first.handle, ['sh', '-c', "tr '\\0' '\\n' < /proc/2/environ"])
    expect(env.stdout).toContain(`AGENT_OPS_CONTROL_TOKEN=${launch.controlToken}\n`)

    // A zygote that died is started again by the next start. Dead means reaped: until then the provider may not
    // know yet, and a start would go to the dying zygote (the case of the test below).
    process.kill(first.parent, 'SIGKILL')
    while (alive(first.parent)) await new Promise((r) => setTimeout(r, 10))
    const second = await startOne('ses_zygote_b')
    expect(second.parent).not.toBe(first.parent)
    expect(cmdline(second.parent)).toMatch(/supervisor\.py zygote $/)
    expect(await provider.status(first.handle)).toBe('running')

    // Closing the provider (as a server stopping) ends the zygote; the sandboxes go on, to be re-adopted.
    await provider.close()
    const deadline = Date.now() + 5_000
    while (alive(second.parent) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    expect(alive(second.parent)).toBe(false)
    expect(await provider.status(first.handle)).toBe('running')
    expect(await provider.status(second.handle)).toBe('running')
  }, 120_000)
})

describe('a zygote that dies with a start request on the way (as root)', () => {
  const { rootDir, provider, handles, supervisorOf } = providerUnderTest('aops-zygote-lost-')

  it('the start goes on with a supervisor of its own; a second supervisor for a running sandbox leaves it alone', async () => {
    const first = await provider.create({ sessionId: 'ses_lost_a' })
    handles.push(first)
    await provider.start(first, launch)
    const zygote = statusField(supervisorOf('ses_lost_a'), 'PPid')
    expect(cmdline(zygote)).toMatch(/supervisor\.py zygote $/)

    // Stopped, the zygote cannot fork; killed once the request is in its pipe, it never will.
    const second = await provider.create({ sessionId: 'ses_lost_b' })
    handles.push(second)
    process.kill(zygote, 'SIGSTOP')
    const starting = provider.start(second, launch)
    const spec = join(rootDir, 'ses_lost_b', 'spec.json')
    while (!existsSync(spec)) await new Promise((r) => setTimeout(r, 10))
    await new Promise((r) => setTimeout(r, 300)) // the request is written right after the spec
    process.kill(zygote, 'SIGKILL')
    await starting
    expect(await provider.status(second)).toBe('running')
    const supervisor = supervisorOf('ses_lost_b')
    expect(statusField(supervisor, 'PPid')).toBe(process.pid) // started here, not by a zygote

    // Another supervisor for the same, running sandbox: it finds the lock taken and changes nothing.
    execFileSync('/usr/bin/python3', ['-I', '-S', supervisorScript, 'run', spec], { env: {} })
    expect(supervisorOf('ses_lost_b')).toBe(supervisor)
    expect(await provider.status(second)).toBe('running')
    expect(readFileSync(join(rootDir, 'ses_lost_b', 'sandbox.log'), 'utf8')).toContain(
      'another supervisor runs this sandbox',
    )
  }, 120_000)
})
