import { execFile, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Me, Session, SessionEvent } from '@agent-ops/protocol'
import { type Client, createClient } from '@agent-ops/sdk'
import { type RunningServer, serve } from '@agent-ops/server'
import { type Script, type ScriptedModel, startScriptedModel } from '@agent-ops/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { adminUser, bootstrapOwner } from '../../server/test/harness.ts'

/** The CLI as people run it: a child process against the real server, real runner and OpenCode. */
const cliMain = fileURLToPath(new URL('../src/main.ts', import.meta.url))

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
/** The team owner's API key (every scope), as `AGENT_OPS_TOKEN` for most commands. */
let token: string
let owner: Client

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-ops-cli-'))
  model = await startScriptedModel({ script })
  server = await serve({
    port: 0,
    dataDir: join(dir, 'data'),
    // Not /var/lib/agent-ops/sandboxes/<hash> (the default), which would stay behind; not inside `dir` either, which
    // the sandboxes' uids cannot pass through (mkdtemp: 0700).
    sandboxDir: await sandboxRoot(),
    logLevel: 'error',
    openaiCompatibleUrl: model.openaiBaseUrl,
  })
  ;({ token } = await bootstrapOwner(server.url))
  owner = createClient({ baseUrl: server.url, token })
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
  for (const root of sandboxRoots) await rm(root, { recursive: true, force: true })
})

const sandboxRoots: string[] = []
async function sandboxRoot() {
  const root = await mkdtemp(join(tmpdir(), 'agent-ops-cli-sandboxes-'))
  sandboxRoots.push(root)
  return root
}

interface Result {
  code: number
  stdout: string
  stderr: string
}

/** Runs `agent-ops <args>` with an isolated config directory; the API key comes from env unless overridden. */
function cli(
  args: string[],
  options: { env?: Record<string, string | undefined>; stdin?: string } = {},
): Promise<Result> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    XDG_CONFIG_HOME: join(dir, 'config'),
    AGENT_OPS_URL: server.url,
    AGENT_OPS_TOKEN: token,
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

describe('agent-ops errors, login and whoami', () => {
  const noToken = { AGENT_OPS_TOKEN: undefined }
  const configFile = () => join(dir, 'config', 'agent-ops', 'config.json')
  const savedKey = async () => (JSON.parse(await readFile(configFile(), 'utf8')) as { token: string }).token

  it("prints the server's message without a stack trace", async () => {
    const result = await cli(['session', 'show', 'ses_does_not_exist'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^error: .*not found.*\n$/i)
    expect(result.stdout).toBe('')
  })

  it('says how to log in when there is no key', async () => {
    const result = await cli(['session', 'list'], { env: noToken })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('agent-ops login --email')
    expect(result.stderr).toContain('AGENT_OPS_TOKEN')
  })

  it("whoami names the key's user, team role and scopes", async () => {
    const human = await cli(['whoami'])
    expect(human).toMatchObject({ code: 0, stderr: '' })
    expect(human.stdout).toContain(`user:   ${adminUser.name} <${adminUser.email}>`)
    expect(human.stdout).toMatch(/^team: {3}.+ \(owner\)$/m)
    expect(human.stdout).toContain('scopes: read, write, admin')
    const json = Me.parse(JSON.parse((await cli(['whoami', '--json'])).stdout))
    expect(json).toMatchObject({ via: 'api_key', user: { email: adminUser.email } })
  })

  it('refuses what is not a valid key at login and saves a good one, readable by its owner only', async () => {
    const notAKey = await cli(['login'], { env: noToken, stdin: 'not-a-key\n' })
    expect(notAKey.code).toBe(1)
    expect(notAKey.stderr).toMatch(/^error: that is not an API key \(they start with aops_key_\)/)
    const unknown = await cli(['login', '--token'], {
      env: noToken,
      stdin: `aops_key_${'x'.repeat(43)}\n`,
    })
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/^error: the server refused that key \(invalid, expired or revoked\)/)

    const login = await cli(['login'], { env: noToken, stdin: `${token}\n` })
    expect(login).toMatchObject({ code: 0, stderr: '' })
    expect(login.stdout).toMatch(
      new RegExp(`^logged in to ${server.url} as ${adminUser.name} <${adminUser.email}> \\(owner of `),
    )
    expect(JSON.parse(await readFile(configFile(), 'utf8'))).toEqual({ url: server.url, token })
    expect((await stat(configFile())).mode & 0o777).toBe(0o600)

    // Later commands find the server and the key in the config alone.
    const list = await cli(['session', 'list', '--json'], { env: { ...noToken, AGENT_OPS_URL: undefined } })
    expect(list.code).toBe(0)
    expect(Array.isArray(JSON.parse(list.stdout))).toBe(true)
  })

  it('login --email reads the password from stdin and stores a new read+write key for this machine', async () => {
    const wrong = await cli(['login', '--email', adminUser.email], {
      env: noToken,
      stdin: 'not my password\n',
    })
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toMatch(new RegExp(`^error: sign-in as ${adminUser.email} failed: .+\n$`))

    const login = await cli(['login', '--email', adminUser.email], {
      env: noToken,
      stdin: `${adminUser.password}\n`,
    })
    expect(login).toMatchObject({ code: 0, stderr: '' })
    expect(login.stdout).toContain(`logged in to ${server.url} as ${adminUser.name} <${adminUser.email}>`)
    // The password is used once and kept nowhere.
    expect(login.stdout + login.stderr + (await readFile(configFile(), 'utf8'))).not.toContain(
      adminUser.password,
    )
    const key = await savedKey()
    expect(key).toMatch(/^aops_key_/)
    expect(key).not.toBe(token)
    expect((await stat(configFile())).mode & 0o777).toBe(0o600)

    const created = (await owner.keys.list()).keys.find((k) => k.name === `cli@${hostname()}`)
    expect(created).toMatchObject({ scopes: ['read', 'write'], revokedAt: null })
    const daysValid = (Date.parse(created!.expiresAt!) - Date.parse(created!.createdAt)) / 86_400_000
    expect(daysValid).toBe(90)

    const whoami = await cli(['whoami', '--json'], { env: noToken })
    expect(Me.parse(JSON.parse(whoami.stdout))).toMatchObject({
      via: 'api_key',
      scopes: ['read', 'write'],
      user: { email: adminUser.email },
    })
  })

  it('login --email --sign-up creates an invited account and joins the team', async () => {
    await owner.org.invite({ email: 'bea@example.test', role: 'member' })
    const signUp = await cli(['login', '--email', 'bea@example.test', '--sign-up', '--name', 'Bea'], {
      env: noToken,
      stdin: 'bea has a long password\n',
    })
    expect(signUp).toMatchObject({ code: 0, stderr: '' })
    expect(signUp.stdout).toMatch(/^logged in to .+ as Bea <bea@example\.test> \(member of /)
    const whoami = await cli(['whoami'], { env: noToken })
    expect(whoami.stdout).toMatch(/^team: {3}.+ \(member\)$/m)
  })

  it('a revoked key says to log in again, naming where the key came from', async () => {
    const key = await savedKey()
    const bea = createClient({ baseUrl: server.url, token: key })
    const { keys } = await bea.keys.list()
    await bea.keys.revoke(keys.find((k) => k.name === `cli@${hostname()}`)!.id)

    const fromConfig = await cli(['session', 'list'], { env: noToken })
    expect(fromConfig.code).toBe(1)
    expect(fromConfig.stderr).toBe(
      'error: the server refused your saved API key (expired or revoked): run `agent-ops login` again\n',
    )
    const fromEnv = await cli(['whoami'], { env: { AGENT_OPS_TOKEN: key } })
    expect(fromEnv.code).toBe(1)
    expect(fromEnv.stderr).toMatch(
      /^error: the server refused the API key in AGENT_OPS_TOKEN .+`agent-ops login`\n$/,
    )
  })
})

/** A long-running CLI process whose output can be awaited. */
function spawnCli(args: string[]) {
  const child = spawn(process.execPath, [cliMain, ...args], {
    env: {
      ...process.env,
      XDG_CONFIG_HOME: join(dir, 'config'),
      AGENT_OPS_URL: server.url,
      AGENT_OPS_TOKEN: token,
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

describe('agent-ops session resume', () => {
  let idle: RunningServer
  let env: Record<string, string>
  beforeAll(async () => {
    // Sessions here hibernate as soon as they are idle.
    idle = await serve({
      port: 0,
      dataDir: join(dir, 'data-idle'),
      sandboxDir: await sandboxRoot(),
      logLevel: 'error',
      openaiCompatibleUrl: model.openaiBaseUrl,
      idleTimeoutMs: 1_000,
    })
    env = { AGENT_OPS_URL: idle.url, AGENT_OPS_TOKEN: (await bootstrapOwner(idle.url)).token }
  })
  afterAll(async () => {
    await idle?.close()
  })

  it('wakes a hibernated session without a message, and says why it cannot wake one that is not', async () => {
    const client = createClient({ baseUrl: idle.url, token: env.AGENT_OPS_TOKEN })
    const { id } = await client.sessions.create({ prompt: 'what did you make?' })
    // Still starting: there is nothing to wake.
    const refused = await cli(['session', 'resume', id], { env })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/cannot resume: the session is (pending|starting), not hibernated/)

    const statusBecomes = async (status: string) => {
      const deadline = Date.now() + 120_000
      while ((await client.sessions.get(id)).status !== status) {
        if (Date.now() > deadline) throw new Error(`session never became ${status}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
    await statusBecomes('hibernated')
    const requests = model.requests.length
    const resumed = await cli(['session', 'resume', id], { env })
    expect(resumed).toMatchObject({ code: 0, stdout: `session ${id} resuming\n`, stderr: '' })
    await statusBecomes('ready')
    expect(model.requests.length).toBe(requests) // no message: the model was not asked anything
    await client.sessions.stop(id)
  })
})
