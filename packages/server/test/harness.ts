import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ApiKeyScope, OrgRole, SessionEvent } from '@agent-ops/protocol'
import {
  BubblewrapProvider,
  type BubblewrapProviderOptions,
  detectCgroups,
  type RunnerLaunch,
} from '@agent-ops/sandbox'
import { type Client, createClient, signInWithPassword } from '@agent-ops/sdk'
import { type ConfigInput, loadConfig, type RunningServer, serve } from '@agent-ops/server'
import { type Script, type ScriptedModel, startScriptedModel } from '@agent-ops/testkit'

/** The first account of every test server: it owns the team. */
export const adminUser = { email: 'admin@example.test', password: 'correct horse battery', name: 'Ada Admin' }
export const scriptedModelRef = 'openai-compatible/scripted-model'

export type TestServer = {
  server: RunningServer
  /** The owner's client, with an API key of every scope. */
  client: Client
  /** That API key (CLI tests, raw HTTP). */
  token: string
  model: ScriptedModel
  dataDir: string
  /** Set for isolated servers: where the bubblewrap sandboxes live. */
  sandboxDir?: string
  workspaceOf(sessionId: string): string
  stateDirOf(sessionId: string): string
  close(): Promise<void>
}

/**
 * The machine-wide uid allocations (the server's default). Every server on a machine must share one record:
 * two records handing out the same range would give two sandboxes one uid.
 */
export const uidPoolDir = loadConfig({}, {}).sandboxUidPoolDir

/**
 * Boots the real server (real SQLite file, real runner and OpenCode per session) against testkit's scripted
 * model on loopback, and returns the same typed client the CLI uses (STYLE.md habit 9). Sessions run without
 * isolation (the `local` provider) unless `isolated`, which uses real bubblewrap sandboxes.
 */
export async function createTestServer(
  opts: { script?: Script; modelApiKey?: string; config?: ConfigInput; isolated?: boolean } = {},
): Promise<TestServer> {
  const model = await startScriptedModel({
    script: opts.script ?? { exchanges: [] },
    apiKey: opts.modelApiKey,
  })
  const dataDir = mkdtempSync(join(tmpdir(), 'aops-test-'))
  const sandboxDir = opts.isolated ? mkdtempSync(join(tmpdir(), 'aops-sandboxes-')) : undefined
  const isolation: ConfigInput = sandboxDir
    ? { unsafeNoIsolation: false, sandboxDir }
    : { unsafeNoIsolation: true }
  const server = await serve({
    port: 0,
    dataDir,
    logLevel: 'warn',
    openaiCompatibleUrl: model.openaiBaseUrl,
    openaiCompatibleKey: opts.modelApiKey,
    defaultModel: scriptedModelRef,
    ...isolation,
    ...opts.config,
  })
  const { token } = await bootstrapOwner(server.url)
  const client = createClient({ baseUrl: server.url, token })
  return {
    server,
    client,
    token,
    model,
    dataDir,
    sandboxDir,
    workspaceOf: (id) =>
      sandboxDir ? join(sandboxDir, id, 'volume', 'workspace') : join(dataDir, 'sandboxes', id, 'workspace'),
    stateDirOf: (id) =>
      sandboxDir ? join(sandboxDir, id, 'volume', 'state') : join(dataDir, 'sandboxes', id, 'state'),
    close: async () => {
      await stopAllSessions(client)
      await server.close()
      await model.close()
      rmSync(dataDir, { recursive: true, force: true })
      if (sandboxDir) rmSync(sandboxDir, { recursive: true, force: true })
    },
  }
}

/** Creates the first account (the team's owner) and an API key of every scope for it. */
export async function bootstrapOwner(baseUrl: string): Promise<{ token: string; cookie: string }> {
  const { cookie } = await signInWithPassword(baseUrl, adminUser, { signUp: true })
  const created = await createClient({ baseUrl, cookie }).keys.create({
    name: 'tests',
    scopes: ['read', 'write', 'admin'],
    expiresInDays: null,
  })
  return { token: created.key, cookie }
}

export type TestUser = { userId: string; email: string; cookie: string; client: Client; token: string }

/**
 * Another person in the owner's team: invited by email with `role`, signed up with a password, holding an API
 * key of `scopes` (default: read and write).
 */
export async function addTeamMember(
  ts: Pick<TestServer, 'server' | 'client'>,
  name: string,
  opts: { role?: Exclude<OrgRole, 'owner'>; scopes?: ApiKeyScope[] } = {},
): Promise<TestUser> {
  const email = `${name.toLowerCase()}@example.test`
  await ts.client.org.invite({ email, role: opts.role ?? 'member' })
  const { cookie, userId } = await signInWithPassword(
    ts.server.url,
    { email, password: `password of ${name}`, name },
    { signUp: true },
  )
  const created = await createClient({ baseUrl: ts.server.url, cookie }).keys.create({
    name: 'tests',
    scopes: opts.scopes ?? ['read', 'write'],
    expiresInDays: null,
  })
  return {
    userId,
    email,
    cookie,
    token: created.key,
    client: createClient({ baseUrl: ts.server.url, token: created.key }),
  }
}

/** Stops every live session so no runner or OpenCode outlives the test. */
export async function stopAllSessions(client: Client) {
  const { sessions } = await client.sessions.list()
  await Promise.all(sessions.filter((s) => s.status !== 'stopped').map((s) => client.sessions.stop(s.id)))
}

/**
 * Follows a session's events until `until` returns true for one of them; returns every event seen.
 * Fails with the events so far if it takes longer than `timeoutMs`.
 */
export async function collectEvents(
  client: Client,
  sessionId: string,
  until: (event: SessionEvent, seen: SessionEvent[]) => boolean,
  opts: { after?: number; timeoutMs?: number } = {},
): Promise<SessionEvent[]> {
  const seen: SessionEvent[] = []
  const abort = new AbortController()
  const timer = setTimeout(() => abort.abort(), opts.timeoutMs ?? 150_000)
  try {
    for await (const event of client.sessions.events(sessionId, {
      after: opts.after,
      signal: abort.signal,
    })) {
      seen.push(event)
      if (until(event, seen)) return seen
    }
  } finally {
    clearTimeout(timer)
  }
  throw new Error(`timed out waiting for events; saw:\n${seen.map(describe).join('\n')}`)
}

export function describe(event: SessionEvent): string {
  return `${event.seq} ${event.type} ${JSON.stringify(event.data).slice(0, 160)}`
}

/** Events of the given type, narrowed. */
export function ofType<T extends SessionEvent['type']>(events: SessionEvent[], type: T) {
  return events.filter((e): e is Extract<SessionEvent, { type: T }> => e.type === type)
}

/** True once the session went back to ready after `n` completed turns (agent idle). */
export const idleCount = (events: SessionEvent[]) =>
  events.filter((e) => e.type === 'agent.status' && e.data.status === 'idle').length

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}

const cliMain = fileURLToPath(new URL('../../cli/src/main.ts', import.meta.url))

const serverOutputs = new WeakMap<ChildProcess, { text: string }>()

/** Everything a server started by `startServerProcess` has printed so far. */
export const outputOf = (child: ChildProcess): string => serverOutputs.get(child)?.text ?? ''

/**
 * The server as its own process (`agent-ops serve`), for tests that kill it. Its warnings and errors are
 * copied to the test's stderr, so a failing run in CI shows what the server saw.
 */
export async function startServerProcess(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [cliMain, 'serve'], {
    env: { ...process.env, AGENT_OPS_LOG_LEVEL: 'info', AGENT_OPS_UNSAFE_NO_ISOLATION: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const output = { text: '' }
  serverOutputs.set(child, output)
  let partial = ''
  const onData = (chunk: Buffer) => {
    output.text += chunk
    const lines = (partial + chunk).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines)
      if (/"level":(40|50|60)\b/.test(line)) process.stderr.write(`[server] ${line}\n`)
  }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  await new Promise<void>((resolve, reject) => {
    const listening = () => {
      if (!output.text.includes('"msg":"listening"')) return
      child.stdout!.off('data', listening)
      child.off('exit', exited)
      resolve()
    }
    const exited = (code: number | null) => reject(new Error(`server exited with ${code}:\n${output.text}`))
    child.stdout!.on('data', listening)
    child.once('exit', exited)
  })
  return child
}

/**
 * What a sandbox started by a provider alone (no server) is given: its runner finds no server on the control socket
 * and keeps retrying, which is all such tests need of it.
 */
export function launchWithoutServer(controlToken = 'no-such-session'): RunnerLaunch {
  return {
    controlUrl: 'ws+unix:///run/agent-ops/control.sock:/internal/runner',
    controlToken,
    opencodeConfig: { provider: {}, model: scriptedModelRef },
  }
}

/**
 * A bubblewrap provider of its own on `rootDir` (small limits, no network): to leave a sandbox behind as a
 * crash would, or to test the provider without a server.
 */
export function bubblewrapProvider(
  rootDir: string,
  overrides: Partial<BubblewrapProviderOptions> = {},
): BubblewrapProvider {
  const cgroups = detectCgroups()
  if (!('layout' in cgroups)) throw new Error(cgroups.problem)
  const runnerEntry = fileURLToPath(import.meta.resolve('@agent-ops/runner/main'))
  return new BubblewrapProvider({
    rootDir,
    runnerEntry,
    runnerLauncher: fileURLToPath(import.meta.resolve('@agent-ops/runner/launcher')),
    appRoot: dirname(dirname(dirname(dirname(runnerEntry)))),
    uidRange: { first: 900_000, count: 10_000 },
    uidPoolDir,
    cgroups: cgroups.layout,
    limits: {
      memoryBytes: 512 * 1024 ** 2,
      swapBytes: 0,
      cpuMillicores: 500,
      pidsMax: 128,
      diskBytes: 64 * 1024 ** 2,
    },
    network: 'off',
    ...overrides,
  })
}
