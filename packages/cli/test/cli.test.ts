import { execFile, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Session, SessionEvent } from '@agent-ops/protocol'
import { type RunningServer, serve } from '@agent-ops/server'
import { type Script, type ScriptedModel, startScriptedModel } from '@agent-ops/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/** The CLI as people run it: a child process against the real server, real runner and OpenCode. */
const cliMain = fileURLToPath(new URL('../src/main.ts', import.meta.url))
const adminToken = 'cli-test-admin-token-0123456789'

const script: Script = {
  exchanges: [
    {
      match: 'make the demo folder',
      steps: [
        {
          text: 'Making it.',
          toolCalls: [
            { name: 'bash', arguments: { command: 'mkdir -p demo && ls', description: 'Create demo' } },
          ],
        },
        { text: 'Created the **demo** folder.' },
      ],
    },
    { match: 'what did you make', steps: [{ text: 'A folder called demo.' }] },
  ],
}

let model: ScriptedModel
let server: RunningServer
let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-ops-cli-'))
  model = await startScriptedModel({ script })
  server = await serve({
    port: 0,
    dataDir: join(dir, 'data'),
    adminToken,
    logLevel: 'error',
    openaiCompatibleUrl: model.openaiBaseUrl,
  })
})

afterAll(async () => {
  if (server) {
    // No runner or OpenCode may outlive the test.
    const { sessions } = await cli(['session', 'list', '--json']).then((r) => ({
      sessions: JSON.parse(r.stdout) as Session[],
    }))
    for (const session of sessions)
      if (session.status !== 'stopped') await cli(['session', 'stop', session.id])
    await server.close()
  }
  await model?.close()
  await rm(dir, { recursive: true, force: true })
})

interface Result {
  code: number
  stdout: string
  stderr: string
}

/** Runs `agent-ops <args>` with an isolated config directory; the token comes from env unless overridden. */
function cli(
  args: string[],
  options: { env?: Record<string, string | undefined>; stdin?: string } = {},
): Promise<Result> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    XDG_CONFIG_HOME: join(dir, 'config'),
    AGENT_OPS_URL: server.url,
    AGENT_OPS_TOKEN: adminToken,
    ...options.env,
  }
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [cliMain, ...args],
      { env, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        resolve({ code, stdout, stderr })
      },
    )
    child.stdin?.end(options.stdin ?? '')
  })
}

let sessionId = ''

describe('agent-ops session', () => {
  it('new --follow streams the first turn and exits when it ends', async () => {
    const result = await cli(['session', 'new', 'Please make the demo folder', '--follow'])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const lines = result.stdout.split('\n')
    sessionId =
      /^session (\S+) created \(openai-compatible\/scripted-model\)$/.exec(lines[0] ?? '')?.[1] ?? ''
    expect(sessionId).not.toBe('')
    expect(lines).toContain('> Please make the demo folder')
    expect(lines.some((line) => /^· agent ready \(.+\)$/.test(line))).toBe(true)
    expect(lines).toContain('✓ bash  mkdir -p demo && ls')
    expect(lines).toContain('    demo')
    expect(lines).toContain('Created the **demo** folder.')
    expect(lines.some((line) => /^· turn: [\d,]+ tokens in, [\d,]+ out, \$/.test(line))).toBe(true)
    // Streamed deltas and the final text are not printed twice.
    expect(result.stdout.split('Created the **demo** folder.')).toHaveLength(2)
    expect(lines.at(-2)).toBe('· ready')
  })

  it('list and show describe the session', async () => {
    const list = await cli(['session', 'list'])
    expect(list.code).toBe(0)
    expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+STATUS\s+TITLE\s+MODEL\s+UPDATED$/)
    expect(list.stdout).toMatch(
      new RegExp(`^${sessionId}\\s+ready\\s+.+openai-compatible/scripted-model\\s+\\d+s ago$`, 'm'),
    )

    const show = await cli(['session', 'show', sessionId, '--json'])
    const session = Session.parse(JSON.parse(show.stdout))
    expect(session).toMatchObject({ id: sessionId, status: 'ready' })
    expect(session.usage.outputTokens).toBeGreaterThan(0)
  })

  it('logs prints the log so far and exits; --json prints every event as NDJSON', async () => {
    const human = await cli(['session', 'logs', sessionId])
    expect(human.code).toBe(0)
    expect(human.stdout).toContain('✓ bash  mkdir -p demo && ls')
    expect(human.stdout.trimEnd().endsWith('· ready')).toBe(true)

    const json = await cli(['session', 'logs', sessionId, '--json'])
    const events = json.stdout
      .trimEnd()
      .split('\n')
      .map((line) => SessionEvent.parse(JSON.parse(line)))
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1))
    const { lastEventSeq } = Session.parse(
      JSON.parse((await cli(['session', 'show', sessionId, '--json'])).stdout),
    )
    expect(events.at(-1)?.seq).toBe(lastEventSeq)
  })

  it('send, then logs --follow keeps following until the session is stopped', async () => {
    const follow = spawnCli(['session', 'logs', sessionId, '--follow'])
    const sent = await cli(['session', 'send', sessionId, 'what did you make?'])
    expect(sent).toMatchObject({ code: 0, stderr: '' })
    expect(sent.stdout).toMatch(/^(sent|queued) \(\S+\)\n$/)
    await follow.waitFor('A folder called demo.')

    const abort = await cli(['session', 'abort', sessionId])
    expect(abort.stdout).toMatch(/^(aborted|nothing to abort: the agent is not working)\n$/)

    const stop = await cli(['session', 'stop', sessionId])
    expect(stop).toMatchObject({ code: 0, stdout: `session ${sessionId} stopped\n` })
    const { code, stdout } = await follow.exited
    expect(code).toBe(0)
    expect(stdout).toContain('> what did you make?')
    expect(stdout.trimEnd().endsWith('· stopped')).toBe(true)
  })
})

describe('agent-ops errors and login', () => {
  it("prints the server's message without a stack trace", async () => {
    const result = await cli(['session', 'show', 'ses_does_not_exist'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^error: .*not found.*\n$/i)
    expect(result.stdout).toBe('')
  })

  it('says how to get a token when there is none', async () => {
    const result = await cli(['session', 'list'], { env: { AGENT_OPS_TOKEN: undefined } })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('agent-ops login')
    expect(result.stderr).toContain('AGENT_OPS_TOKEN')
  })

  it('refuses a wrong token at login and saves a good one, readable by its owner only', async () => {
    const noToken = { AGENT_OPS_TOKEN: undefined }
    const wrong = await cli(['login'], { env: noToken, stdin: 'not-the-token\n' })
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toMatch(/^error: .+\(run `agent-ops login` or set AGENT_OPS_TOKEN\)\n$/)

    const login = await cli(['login'], { env: noToken, stdin: `${adminToken}\n` })
    expect(login).toMatchObject({ code: 0, stderr: '' })
    const path = join(dir, 'config', 'agent-ops', 'config.json')
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ url: server.url, token: adminToken })
    expect((await stat(path)).mode & 0o777).toBe(0o600)

    // Later commands find the server and the token in the config alone.
    const list = await cli(['session', 'list', '--json'], { env: { ...noToken, AGENT_OPS_URL: undefined } })
    expect(list.code).toBe(0)
    expect(Array.isArray(JSON.parse(list.stdout))).toBe(true)
  })
})

/** A long-running CLI process whose output can be awaited. */
function spawnCli(args: string[]) {
  const child = spawn(process.execPath, [cliMain, ...args], {
    env: {
      ...process.env,
      XDG_CONFIG_HOME: join(dir, 'config'),
      AGENT_OPS_URL: server.url,
      AGENT_OPS_TOKEN: adminToken,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  const waiters: { text: string; resolve: () => void }[] = []
  child.stdout.on('data', (chunk) => {
    stdout += chunk
    for (const waiter of waiters.filter((w) => stdout.includes(w.text))) waiter.resolve()
  })
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise<Result>((resolve) =>
    child.once('exit', (code) => resolve({ code: code ?? 1, stdout, stderr })),
  )
  return {
    exited,
    waitFor: (text: string) =>
      new Promise<void>((resolve, reject) => {
        if (stdout.includes(text)) return resolve()
        waiters.push({ text, resolve })
        exited.then(() => reject(new Error(`exited before printing "${text}":\n${stdout}\n${stderr}`)))
      }),
  }
}
