import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { SessionEvent } from '@agent-ops/protocol'
import { createClient } from '@agent-ops/sdk'
import { type Script, type ScriptedModel, startScriptedModel } from '@agent-ops/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  bootstrapOwner,
  collectEvents,
  createTestServer,
  freePort,
  describe as line,
  ofType,
  outputOf,
  scriptedModelRef,
  startServerProcess,
  stopAllSessions,
  type TestServer,
} from './harness.ts'

const longText = `Starting. ${'This turn takes a while to stream. '.repeat(50)}The end.`
const script: Script = {
  exchanges: [
    { match: 'long task', steps: [{ text: longText, chunkDelayMs: 25 }] },
    { match: 'what was my first request', steps: [{ text: 'You first asked for a long task.' }] },
  ],
}

const isReadyAfterTurn = (e: SessionEvent, seen: SessionEvent[]) =>
  e.type === 'session.status' && e.data.status === 'ready' && seen.some((s) => s.type === 'text.done')

function assertWholeLog(events: SessionEvent[]) {
  const trace = events.map(line).join('\n')
  expect(
    events.map((e) => e.seq),
    trace,
  ).toEqual(events.map((_, i) => i + 1))
  const done = ofType(events, 'text.done').find((e) => e.data.text === longText)
  expect(done, trace).toBeDefined()
  const deltas = ofType(events, 'text.delta').filter((e) => e.data.partId === done!.data.partId)
  expect(deltas.map((e) => e.data.delta).join('')).toBe(longText)
}

describe('the server is killed (SIGKILL) mid-turn and started again', () => {
  let model: ScriptedModel
  let dataDir: string
  let server: ChildProcess | undefined
  let env: Record<string, string>
  /** The owner's API key: created after the first start, still valid after the restart (keys are stored). */
  let token = ''
  const baseUrl = () => `http://127.0.0.1:${env.AGENT_OPS_PORT}`

  beforeAll(async () => {
    model = await startScriptedModel({ script })
    dataDir = mkdtempSync(join(tmpdir(), 'aops-kill-'))
    env = {
      AGENT_OPS_PORT: String(await freePort()),
      AGENT_OPS_DATA_DIR: dataDir,
      AGENT_OPS_OPENAI_COMPATIBLE_URL: model.openaiBaseUrl,
      AGENT_OPS_DEFAULT_MODEL: scriptedModelRef,
    }
  })
  afterAll(async () => {
    if (server && server.exitCode === null) {
      if (token) await stopAllSessions(createClient({ baseUrl: baseUrl(), token })).catch(() => {})
      server.kill('SIGKILL')
    }
    await model?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('loses no event, and the session continues', async () => {
    server = await startServerProcess(env)
    ;({ token } = await bootstrapOwner(baseUrl()))
    const client = createClient({ baseUrl: baseUrl(), token })
    const session = await client.sessions.create({ prompt: 'a long task please' })
    await collectEvents(client, session.id, (_e, seen) => ofType(seen, 'text.delta').length >= 3)

    server.kill('SIGKILL')
    await new Promise((resolve) => server!.once('exit', resolve))
    // The runner keeps streaming into its buffer while nobody listens.
    await new Promise((resolve) => setTimeout(resolve, 1500))
    server = await startServerProcess(env)

    const events = await collectEvents(client, session.id, isReadyAfterTurn)
    assertWholeLog(events)

    const answer = await client.sessions.send(session.id, { text: 'what was my first request?' })
    expect(answer.queued).toBe(false)
    const more = await collectEvents(
      client,
      session.id,
      (e) => e.type === 'text.done' && e.data.text.includes('You first asked'),
      {
        after: events.at(-1)!.seq,
      },
    )
    expect(more[0]!.seq).toBe(events.at(-1)!.seq + 1)
  })
})

describe('OpenCode is killed mid-turn', () => {
  let t: TestServer
  beforeAll(async () => {
    t = await createTestServer({ script })
  })
  afterAll(async () => {
    await t?.close()
  })

  it('is detected, reported, restarted, and the conversation is intact', async () => {
    const session = await t.client.sessions.create({ prompt: 'a long task please' })
    await collectEvents(t.client, session.id, (e) => e.type === 'text.delta')
    const pgid = Number(readFileSync(join(t.stateDirOf(session.id), 'opencode.pid'), 'utf8'))
    process.kill(-pgid, 'SIGKILL')

    // The runner reports the crash and idle, then restarts OpenCode; the session is ready again after both.
    const events = await collectEvents(t.client, session.id, (_e, seen) => {
      const crash = seen.findIndex((s) => s.type === 'agent.error' && s.data.kind === 'agent_crashed')
      const readyAgain = seen.some(
        (s, i) => i > crash && s.type === 'session.status' && s.data.status === 'ready',
      )
      return crash >= 0 && readyAgain && seen.some((s) => s.type === 'agent.restarted')
    })
    const trace = events.map(line).join('\n')
    const crashed = ofType(events, 'agent.error').find((e) => e.data.kind === 'agent_crashed')
    expect(crashed, trace).toBeDefined()
    expect(ofType(events, 'agent.restarted')[0]!.data.attempt).toBe(1)

    await t.client.sessions.send(session.id, { text: 'what was my first request?' })
    await collectEvents(
      t.client,
      session.id,
      (e) => e.type === 'text.done' && e.data.text.includes('You first asked'),
      {
        after: events.at(-1)!.seq,
      },
    )
    // The restarted OpenCode sent the model the earlier conversation.
    const request = JSON.stringify(t.model.requests.at(-1)!.body)
    expect(request).toContain('a long task please')
    expect(request).toContain('what was my first request?')
  })
})

describe('a session that does not boot in time', () => {
  let model: ScriptedModel
  let dataDir: string
  let server: ChildProcess | undefined

  beforeAll(async () => {
    model = await startScriptedModel({ script })
    dataDir = mkdtempSync(join(tmpdir(), 'aops-boot-deadline-'))
  })
  afterAll(async () => {
    server?.kill('SIGKILL')
    await model?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('fails with the reason, the server logs the end of the sandbox log, and its processes stop', async () => {
    const port = String(await freePort())
    server = await startServerProcess({
      AGENT_OPS_PORT: port,
      AGENT_OPS_DATA_DIR: dataDir,
      AGENT_OPS_OPENAI_COMPATIBLE_URL: model.openaiBaseUrl,
      AGENT_OPS_DEFAULT_MODEL: scriptedModelRef,
      // OpenCode alone takes longer than this to start, so the boot watchdog fires while it is starting.
      AGENT_OPS_BOOT_TIMEOUT_MS: '1500',
    })
    const baseUrl = `http://127.0.0.1:${port}`
    const client = createClient({ baseUrl, token: (await bootstrapOwner(baseUrl)).token })
    const session = await client.sessions.create({ prompt: 'a long task please' })
    const events = await collectEvents(
      client,
      session.id,
      (e) => e.type === 'session.status' && e.data.status === 'failed',
    )
    expect(events.at(-1)).toMatchObject({
      data: { status: 'failed', reason: 'the session stayed starting past its deadline' },
    })
    const failure = outputOf(server)
      .split('\n')
      .map((l) => (l.startsWith('{') ? JSON.parse(l) : {}))
      .find((record) => record.msg === 'session failed' && record.sessionId === session.id)
    // The runner's own first line, read from the sandbox's log.
    expect(failure?.sandboxLog).toContain('OpenCode starting early')
    // Then its processes are stopped (the runner after its grace period), not left running for its orphan timeout.
    const runnerPidFile = join(dataDir, 'sandboxes', session.id, 'runner.pid')
    const deadline = Date.now() + 30_000
    while (existsSync(runnerPidFile) && Date.now() < deadline) await sleep(100)
    expect(existsSync(runnerPidFile)).toBe(false)
  })
})

describe('a sandbox that exits while its session starts', () => {
  let t: TestServer
  beforeAll(async () => {
    t = await createTestServer({ isolated: true, script })
  })
  afterAll(() => t?.close())

  it('fails the session at once with the reason, not at the boot deadline', async () => {
    const session = await t.client.sessions.create({ prompt: 'a long task please' })
    // Once the runner is connected, the sandbox has started (its pid 1 recorded) and OpenCode is still starting:
    // killing the sandbox's pid 1 then ends it, the runner and OpenCode with it.
    await collectEvents(
      t.client,
      session.id,
      (e) => e.type === 'session.progress' && e.data.step === 'runner.connected',
    )
    process.kill(Number(readFileSync(join(t.sandboxDir!, session.id, 'sandbox.pid'), 'utf8')), 'SIGKILL')
    const events = await collectEvents(
      t.client,
      session.id,
      (e) => e.type === 'session.status' && e.data.status === 'failed',
    )
    // Not at the boot deadline (two minutes, far beyond this test's time-out).
    expect(events.some((e) => e.type === 'session.status' && e.data.status === 'ready')).toBe(false)
    const failed = events.at(-1)
    expect(failed?.type === 'session.status' && failed.data.reason).toMatch(
      /^the sandbox exited while starting/,
    )
    expect((await t.client.sessions.get(session.id)).status).toBe('failed')
  })
})
