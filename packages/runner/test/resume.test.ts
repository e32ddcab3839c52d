import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type ScriptedModel, startScriptedModel } from '@agent-ops/testkit'
import { afterEach, describe, expect, it } from 'vitest'
import { startControlServer, type TestControlServer } from './helpers/control-server.ts'
import { INTEGRATION_TIMEOUT_MS, isStatus, READY_TIMEOUT_MS } from './helpers/harness.ts'
import { type RunnerProcess, startRunnerProcess, testkitConfig } from './helpers/runner-process.ts'

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe('a new runner on the same state dir (restart, resume after hibernation)', () => {
  it('reuses the OpenCode session: the conversation is kept', {
    timeout: 2 * INTEGRATION_TIMEOUT_MS,
  }, async () => {
    const model: ScriptedModel = await startScriptedModel({
      script: {
        exchanges: [
          { match: 'first message', steps: [{ text: 'First answer.' }] },
          { match: 'second message', steps: [{ text: 'Second answer.' }] },
        ],
      },
    })
    cleanups.push(() => model.close())
    const root = await mkdtemp(join(tmpdir(), 'agent-ops-runner-resume-'))
    cleanups.push(() => rm(root, { recursive: true, force: true }))
    const run = async (server: TestControlServer): Promise<RunnerProcess> => {
      const runner = await startRunnerProcess({
        controlUrl: server.url,
        token: server.token,
        opencodeConfig: testkitConfig(model.openaiBaseUrl),
        root,
      })
      cleanups.push(() => runner.cleanup())
      return runner
    }
    const session = { model: 'testkit/scripted-model', permissionPolicy: 'allow' as const }

    const server1 = await startControlServer(session)
    cleanups.push(() => server1.close())
    const runner1 = await run(server1)
    await server1.waitFor((e) => e.type === 'agent.ready', READY_TIMEOUT_MS)
    server1.prompt('the first message')
    await server1.waitFor((e) => e.type === 'text.done' && e.data.text === 'First answer.')
    await server1.waitFor(isStatus('idle'))
    const stateFile = join(root, 'state', 'runner-state.json')
    const { opencodeSessionId } = JSON.parse(await readFile(stateFile, 'utf8'))
    runner1.child.kill('SIGTERM')
    expect(await runner1.exited).toBe(0)

    const server2 = await startControlServer(session)
    cleanups.push(() => server2.close())
    await run(server2)
    await server2.waitFor((e) => e.type === 'agent.ready', READY_TIMEOUT_MS)
    expect(JSON.parse(await readFile(stateFile, 'utf8')).opencodeSessionId).toBe(opencodeSessionId)
    const requestsBefore = model.requests.length
    server2.prompt('the second message')
    await server2.waitFor((e) => e.type === 'text.done' && e.data.text === 'Second answer.')
    await server2.waitFor(isStatus('idle'))
    // The new runner reports only the new turn, and the model sees the old one.
    const texts = server2.events().flatMap((e) => (e.type === 'text.done' ? [e.data.text] : []))
    expect(texts).toEqual(['Second answer.'])
    const bodies = model.requests.slice(requestsBefore).map((r) => JSON.stringify(r.body))
    expect(bodies.some((body) => body.includes('the second message') && body.includes('First answer.'))).toBe(
      true,
    )
  })
})

describe('a runner starting on a stored session', () => {
  it('reads the session while OpenCode sets up, not only after the event stream is connected', async () => {
    const root = await mkdtemp(join(tmpdir(), 'agent-ops-runner-resume-'))
    cleanups.push(() => rm(root, { recursive: true, force: true }))
    await mkdir(join(root, 'state'), { recursive: true })
    await writeFile(
      join(root, 'state', 'runner-state.json'),
      JSON.stringify({ opencodeSessionId: 'ses_stored' }),
    )
    const calls = join(root, 'calls.log')
    const server = await startControlServer({ model: 'testkit/scripted-model', permissionPolicy: 'allow' })
    cleanups.push(() => server.close())
    const runner = await startRunnerProcess({
      controlUrl: server.url,
      token: server.token,
      opencodeConfig: testkitConfig('http://127.0.0.1:9/v1'),
      root,
      env: {
        AGENT_OPS_OPENCODE_BIN: fileURLToPath(new URL('./fixtures/standin-opencode.mjs', import.meta.url)),
        STANDIN_LOG: calls,
      },
    })
    cleanups.push(() => runner.cleanup())
    await server.waitFor((e) => e.type === 'agent.ready', READY_TIMEOUT_MS)
    const lines = (await readFile(calls, 'utf8')).trim().split('\n')
    // Without the early read the stream is held until the stand-in gives up waiting ("timeout").
    expect(lines).toContain('event stream connected (messages asked for)')
    expect(lines).toContain('GET /session/ses_stored')
    // Of the stored conversation, only its latest message is read (not the whole, which grows with the session).
    expect(lines.filter((line) => line.startsWith('GET /session/ses_stored/message'))).toEqual([
      'GET /session/ses_stored/message?limit=1',
    ])
    // Statuses and pending asks live in OpenCode's memory: one it has just started has none, so they are not asked
    // for (GET /session/status once: the instance warm-up, opencode-process.ts).
    expect(lines.filter((line) => /^GET \/(permission|question)\b/.test(line))).toEqual([])
    expect(lines.filter((line) => line === 'GET /session/status')).toHaveLength(1)
  })
})
