// Start a real `opencode serve` in a directory with a given config, isolated from the user's home, and stop
// it again. Used by tests and benchmarks (bare OpenCode start-up is the floor the platform is measured against).
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export type OpenCodeOptions = {
  /** Working directory of OpenCode: the workspace its tools act on. */
  directory: string
  /** OpenCode config (opencode.json shape), passed as OPENCODE_CONFIG_CONTENT. */
  config: Record<string, unknown>
  /** Extra environment, applied over the isolated defaults (a value of undefined removes a variable). */
  env?: Record<string, string | undefined>
  /** Basic-auth password for the server; random by default. */
  password?: string
  /** Path of the opencode binary; defaults to the workspace's node_modules/.bin/opencode. */
  binary?: string
  /** Give up if the server has not printed its URL and answered its health check by then. */
  startTimeoutMs?: number
  /**
   * A home kept by an earlier start, to start OpenCode again on its own data (as a resumed session does); it is
   * left in place on stop. A fresh one, removed on stop, when absent.
   */
  home?: string
}

export type RunningOpenCode = {
  /** http://127.0.0.1:PORT as printed by `opencode serve`. */
  url: string
  username: string
  password: string
  /** Value for the Authorization header of every request to `url`. */
  authorization: string
  pid: number
  /** The isolated HOME (and XDG dirs inside it) OpenCode keeps its config, data and logs in. */
  home: string
  /** Last few KB of OpenCode's stdout and stderr, for failure messages. */
  logs(): string
  /** SIGTERM, then SIGKILL to the whole process group after `graceMs`; removes the isolated home it made. */
  stop(graceMs?: number): Promise<void>
}

const DEFAULT_BINARY = fileURLToPath(new URL('../../../node_modules/.bin/opencode', import.meta.url))
const USERNAME = 'opencode'
const LOG_TAIL_CHARS = 16_384
const STOP_GRACE_MS = 3_000

export async function startOpenCode(opts: OpenCodeOptions): Promise<RunningOpenCode> {
  const password = opts.password ?? randomBytes(16).toString('hex')
  // HOME and the XDG dirs point into a fresh directory so the user's config, auth, sessions and skills
  // (~/.config/opencode, ~/.local/share/opencode, ~/.claude) neither leak in nor get written to.
  const home = opts.home ?? (await mkdtemp(join(tmpdir(), 'agent-ops-opencode-')))
  const xdg = {
    XDG_CONFIG_HOME: 'config',
    XDG_DATA_HOME: 'data',
    XDG_CACHE_HOME: 'cache',
    XDG_STATE_HOME: 'state',
  }
  for (const dir of Object.values(xdg)) await mkdir(join(home, dir), { recursive: true })
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    LANG: process.env.LANG ?? 'C.UTF-8',
    TMPDIR: process.env.TMPDIR,
    HOME: home,
    ...Object.fromEntries(Object.entries(xdg).map(([key, dir]) => [key, join(home, dir)])),
    OPENCODE_SERVER_PASSWORD: password,
    OPENCODE_CONFIG_CONTENT: JSON.stringify(opts.config),
    // Start-up must not depend on the network: no self-update check, no models.dev catalogue fetch (the
    // bundled snapshot is used), no language-server downloads when the agent edits a file. Checked with
    // 1.18.33 (`strings opencode | grep OPENCODE_` lists the flags): offline, it does not hang even without
    // them, since the fetches fail fast, but a slow or filtered network would stall start-up and prompts.
    OPENCODE_DISABLE_AUTOUPDATE: '1',
    OPENCODE_DISABLE_MODELS_FETCH: '1',
    OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
    ...opts.env,
  }
  const child = spawn(opts.binary ?? DEFAULT_BINARY, ['serve', '--port', '0', '--hostname', '127.0.0.1'], {
    cwd: opts.directory,
    env: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
    detached: true, // own process group, so stop() reaches the tools' child processes too
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-LOG_TAIL_CHARS)
  }
  child.stdout.on('data', append)
  child.stderr.on('data', append)
  // 'error' (e.g. binary not found) may come without 'exit'; either one ends the process's life.
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.once('error', (error) => {
      append(Buffer.from(`${error.message}\n`))
      resolve()
    })
  })

  const stop = async (graceMs = STOP_GRACE_MS) => {
    await killGroup(child, exited, graceMs)
    if (!opts.home) await rm(home, { recursive: true, force: true })
  }

  const authorization = `Basic ${Buffer.from(`${USERNAME}:${password}`).toString('base64')}`
  try {
    const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000)
    const url = await waitForUrl(child, () => output, exited, deadline - Date.now())
    await waitForHealth(url, authorization, () => output, exited, deadline)
    return {
      url,
      username: USERNAME,
      password,
      authorization,
      pid: child.pid ?? -1,
      home,
      logs: () => output,
      stop,
    }
  } catch (error) {
    await stop(0)
    throw error
  }
}

/**
 * Resolves once OpenCode answers GET /global/health. It prints its URL as it starts listening, but answers only
 * some 10-60 ms later, when the rest of its start-up is done: healthy is when it has started (the benchmarks'
 * floor, `opencode_start_ms`), as it is for the runner (opencode-process.ts).
 */
async function waitForHealth(
  url: string,
  authorization: string,
  logs: () => string,
  exited: Promise<void>,
  deadline: number,
): Promise<void> {
  let gone = false
  void exited.then(() => {
    gone = true
  })
  let lastError = 'no answer'
  while (!gone && Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/global/health`, {
        headers: { authorization },
        signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
      })
      await response.body?.cancel()
      if (response.ok) return
      lastError = `HTTP ${response.status}`
    } catch (error) {
      lastError = (error as Error).message
    }
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  const why = gone ? 'exited before it answered its health check' : `was not healthy in time (${lastError})`
  throw new Error(`opencode serve ${why}:\n${logs()}`)
}

/** Resolves with the URL from "opencode server listening on http://..." on stdout. */
function waitForUrl(child: ChildProcess, logs: () => string, exited: Promise<void>, timeoutMs: number) {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup()
      reject(new Error(`opencode serve printed no URL within ${timeoutMs} ms:\n${logs()}`))
    }, timeoutMs)
    const onData = () => {
      const url = /listening on (https?:\/\/\S+)/.exec(logs())?.[1]
      if (url) {
        cleanup()
        resolve(url)
      }
    }
    let settled = false
    const cleanup = () => {
      settled = true
      clearTimeout(timer)
      child.stdout?.off('data', onData)
    }
    child.stdout?.on('data', onData)
    void exited.then(() => {
      if (settled) return
      cleanup()
      reject(new Error(`opencode serve exited during start-up (code ${child.exitCode}):\n${logs()}`))
    })
  })
}

async function killGroup(child: ChildProcess, exited: Promise<void>, graceMs: number) {
  const pid = child.pid
  if (pid === undefined) return
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal)
    } catch {
      // The group is already gone.
    }
  }
  if (child.exitCode === null && child.signalCode === null) {
    signalGroup('SIGTERM')
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, graceMs, 'timeout').unref())
    await Promise.race([exited, timeout])
  }
  // OpenCode may ignore SIGTERM, and tools it started (bash) may outlive it: always sweep the group.
  signalGroup('SIGKILL')
  if (child.exitCode === null && child.signalCode === null) await exited
}
