import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient } from '@agent-ops/sdk'
import { type Script, type ScriptedModel, startScriptedModel } from '@agent-ops/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  bootstrapOwner,
  bubblewrapProvider,
  collectEvents,
  freePort,
  idleCount,
  launchWithoutServer,
  ofType,
  scriptedModelRef,
  startServerProcess,
  stopAllSessions,
  uidPoolDir,
} from './harness.ts'
import { noTraces, removeSandboxRoot, sandboxTraces } from './sandbox-traces.ts'

/**
 * SIGKILL of the server with bubblewrap sandboxes running, then a restart: the live sandbox is re-adopted over
 * its control socket, the one that died while idle is hibernated, one no session knows is swept, and after
 * the sessions stop nothing of any of them is left on the host.
 */

const longText = `Working. ${'Still streaming this turn. '.repeat(40)}Finished.`
const script: Script = {
  exchanges: [
    { match: 'long task', steps: [{ text: longText, chunkDelayMs: 25 }] },
    { match: 'quick one', steps: [{ text: 'Quick answer.' }] },
    { match: 'what was my first request', steps: [{ text: 'You first asked for a long task.' }] },
  ],
}

describe('server SIGKILL and restart with bubblewrap sandboxes', () => {
  let model: ScriptedModel
  let dataDir: string
  let sandboxDir: string
  let server: ChildProcess | undefined
  let env: Record<string, string>
  /** The owner's API key, made once the server first runs (it outlives the restart, in the database). */
  let token = ''

  beforeAll(async () => {
    model = await startScriptedModel({ script })
    dataDir = mkdtempSync(join(tmpdir(), 'aops-recover-'))
    sandboxDir = mkdtempSync(join(tmpdir(), 'aops-recover-sandboxes-'))
    env = {
      AGENT_OPS_PORT: String(await freePort()),
      AGENT_OPS_DATA_DIR: dataDir,
      AGENT_OPS_OPENAI_COMPATIBLE_URL: model.openaiBaseUrl,
      AGENT_OPS_DEFAULT_MODEL: scriptedModelRef,
      AGENT_OPS_UNSAFE_NO_ISOLATION: '0',
      AGENT_OPS_SANDBOX_DIR: sandboxDir,
      AGENT_OPS_IDLE_TIMEOUT_MS: '0',
    }
  })
  afterAll(async () => {
    if (server && server.exitCode === null) {
      await stopAllSessions(createClient({ baseUrl: `http://127.0.0.1:${env.AGENT_OPS_PORT}`, token })).catch(
        () => {},
      )
      server.kill('SIGKILL')
    }
    await model?.close()
    rmSync(dataDir, { recursive: true, force: true })
    // The server was killed: its spare volumes are still mounted.
    removeSandboxRoot(sandboxDir)
  })

  it('re-adopts, hibernates or sweeps every sandbox, and leaves no trace after the sessions stop', async () => {
    server = await startServerProcess(env)
    ;({ token } = await bootstrapOwner(`http://127.0.0.1:${env.AGENT_OPS_PORT}`))
    const client = createClient({ baseUrl: `http://127.0.0.1:${env.AGENT_OPS_PORT}`, token })
    const idle = await client.sessions.create({ prompt: 'a quick one' })
    await collectEvents(client, idle.id, (_e, seen) => idleCount(seen) >= 1, { timeoutMs: 180_000 })
    const busy = await client.sessions.create({ prompt: 'a long task please' })
    await collectEvents(client, busy.id, (_e, seen) => ofType(seen, 'text.delta').length >= 3, {
      timeoutMs: 180_000,
    })

    server.kill('SIGKILL')
    await new Promise((resolve) => server!.once('exit', resolve))
    // While the server is down: the idle session's sandbox dies (its supervisor is killed), and a sandbox
    // directory no session knows appears (as if the server had crashed in the middle of creating it).
    const supervisorOfIdle = Number(readFileSync(join(sandboxDir, idle.id, 'supervisor.pid'), 'utf8'))
    process.kill(supervisorOfIdle, 'SIGKILL')
    const orphan = 'ses_orphan_from_a_crash'
    const provider = bubblewrapProvider(sandboxDir)
    const handle = await provider.create({ sessionId: orphan })
    await provider.start(handle, launchWithoutServer())
    await provider.close() // its background work (the spare volumes it refilled) is done before the server is back
    const orphanTraces = sandboxTraces(sandboxDir, orphan)
    expect(
      orphanTraces.mounts.length * orphanTraces.cgroups.length * orphanTraces.processes.length,
    ).toBeGreaterThan(0)
    // And in the machine-wide uid pool, the record of a sandbox whose server's root was deleted without a clean-up
    // (a server killed, then its directory removed): the restart's sweep releases it.
    const orphanUidRecord = join(uidPoolDir, '909999')
    writeFileSync(orphanUidRecord, join(tmpdir(), `aops-root-removed-${process.pid}`, 'ses_gone'))
    const twoMinutesAgo = new Date(Date.now() - 120_000)
    utimesSync(orphanUidRecord, twoMinutesAgo, twoMinutesAgo)
    server = await startServerProcess(env)
    expect(existsSync(orphanUidRecord)).toBe(false)

    // The busy session's runner reconnects over its socket; the turn completes and the conversation goes on.
    const events = await collectEvents(
      client,
      busy.id,
      (e, seen) =>
        e.type === 'session.status' && e.data.status === 'ready' && seen.some((s) => s.type === 'text.done'),
      { timeoutMs: 120_000 },
    )
    expect(ofType(events, 'text.done').some((e) => e.data.text === longText)).toBe(true)
    await client.sessions.send(busy.id, { text: 'what was my first request?' })
    await collectEvents(
      client,
      busy.id,
      (e) => e.type === 'text.done' && e.data.text.includes('You first asked'),
      {
        after: events.at(-1)!.seq,
      },
    )

    // The idle session lost its sandbox's processes but not its files: hibernated, and it can resume.
    expect((await client.sessions.get(idle.id)).status).toBe('hibernated')
    expect(sandboxTraces(sandboxDir, idle.id).processes).toEqual([])
    expect(sandboxTraces(sandboxDir, orphan)).toEqual(noTraces)

    await client.sessions.stop(busy.id)
    await client.sessions.stop(idle.id)
    for (const id of [busy.id, idle.id]) expect(sandboxTraces(sandboxDir, id), id).toEqual(noTraces)
  })
})
