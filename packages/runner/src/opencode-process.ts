import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync, openSync, readSync, writeFileSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from './log.ts'

/**
 * One `opencode serve` process: started in its own process group (its pgid goes to a pid file so the
 * provider can kill it if the runner dies), ready once it printed its URL and answers /global/health.
 */

export type OpencodeProcessOptions = {
  binary: string
  cwd: string
  /** Full environment (see buildOpencodeEnv) minus the password, which is made here per start. */
  env: (password: string) => Record<string, string>
  pidFile: string
  log: Logger
  startTimeoutMs?: number
  /** Aborting gives up the start and kills what was started. */
  signal?: AbortSignal
}

export type OpencodeExit = { code: number | null; signal: NodeJS.Signals | null }

export const OPENCODE_USERNAME = 'opencode'
const DEFAULT_START_TIMEOUT_MS = 60_000
const STOP_GRACE_MS = 3_000
const HEALTH_POLL_MS = 50
const OUTPUT_TAIL_CHARS = 8_192

export class OpencodeProcess {
  readonly url: string
  readonly password: string
  readonly pid: number
  readonly version: string
  /** Resolves when the process has exited, for whatever reason. */
  readonly exited: Promise<OpencodeExit>
  readonly #child: ChildProcess
  readonly #pidFile: string
  #stopping = false

  private constructor(init: {
    child: ChildProcess
    url: string
    password: string
    version: string
    exited: Promise<OpencodeExit>
    pidFile: string
  }) {
    this.#child = init.child
    this.url = init.url
    this.password = init.password
    this.pid = init.child.pid ?? -1
    this.version = init.version
    this.exited = init.exited
    this.#pidFile = init.pidFile
  }

  /** Basic auth for every request to `url`. */
  get authorization(): string {
    return `Basic ${Buffer.from(`${OPENCODE_USERNAME}:${this.password}`).toString('base64')}`
  }

  /** True once stop() was called: an exit after that is not a crash. */
  get stopping(): boolean {
    return this.#stopping
  }

  static async start(opts: OpencodeProcessOptions): Promise<OpencodeProcess> {
    const password = randomPassword()
    opts.log.addSecret(password)
    const child = spawn(opts.binary, ['serve', '--port', '0', '--hostname', '127.0.0.1'], {
      cwd: opts.cwd,
      env: opts.env(password),
      detached: true, // own process group: stop() reaches the tools' processes too
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    const onOutput = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const text = chunk.toString('utf8')
      output = (output + text).slice(-OUTPUT_TAIL_CHARS)
      for (const line of text.split('\n'))
        if (line.trim()) opts.log.debug('opencode output', { stream, line })
    }
    child.stdout?.on('data', onOutput('stdout'))
    child.stderr?.on('data', onOutput('stderr'))
    const exited = new Promise<OpencodeExit>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }))
      child.once('error', (error) => {
        output += `\n${error.message}`
        resolve({ code: null, signal: null })
      })
    })
    const pidFile = opts.pidFile
    const stopEarly = () => killGroup(child, exited, 0).then(() => removePidFile(pidFile, child.pid))
    try {
      if (child.pid === undefined) {
        await exited
        throw new Error(`cannot start ${opts.binary}: ${output.trim()}`)
      }
      // With detached: true the child leads its own group: pid == pgid. Written synchronously: the runner may be
      // killed while its event loop is still busy loading its modules, and an async write would then leave an
      // empty file, and the provider no way to find this process group.
      writeFileSync(pidFile, String(child.pid), { mode: 0o600 })
      // A dead group's id may be reused: the file must never outlive the process.
      void exited.then(() => removePidFile(pidFile, child.pid))
      const deadline = Date.now() + (opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS)
      const aborted = abortion(opts.signal)
      const url = await Promise.race([waitForUrl(child, () => output, exited, deadline), aborted])
      warmUpInstance(url, authorizationFor(password), opts.cwd)
      const version = await Promise.race([
        waitForHealth(url, authorizationFor(password), exited, deadline),
        aborted,
      ])
      return new OpencodeProcess({ child, url, password, version, exited, pidFile })
    } catch (error) {
      await stopEarly()
      throw error
    }
  }

  /** SIGTERM, then SIGKILL to the whole process group after the grace period (OpenCode may ignore SIGTERM). */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    this.#stopping = true
    await killGroup(this.#child, this.exited, graceMs)
    await removePidFile(this.#pidFile, this.pid)
  }
}

/**
 * OpenCode sets up its instance for a directory (config, plugins, project) on the first request naming it,
 * a few hundred ms. Asked for here, that runs while the health check is answered instead of after it; the
 * session creation that follows then finds the instance ready. Best effort: nothing waits for it.
 */
function warmUpInstance(url: string, authorization: string, directory: string) {
  fetch(`${url}/session/status?directory=${encodeURIComponent(directory)}`, {
    headers: { authorization },
    signal: AbortSignal.timeout(30_000),
  })
    .then((response) => response.body?.cancel())
    .catch(() => {})
}

/**
 * 24 bytes from the kernel's random source, as base64url. Not node:crypto's randomBytes: this module is loaded on
 * the way to OpenCode's spawn (early-start.ts), and importing node:crypto there cost ~6 ms of every session start.
 */
function randomPassword(): string {
  const bytes = Buffer.alloc(24)
  const fd = openSync('/dev/urandom', 'r')
  try {
    if (readSync(fd, bytes) !== bytes.length) throw new Error('short read from /dev/urandom')
  } finally {
    closeSync(fd)
  }
  return bytes.toString('base64url')
}

/** Rejects when `signal` aborts (never settles without one). */
function abortion(signal: AbortSignal | undefined): Promise<never> {
  const promise = new Promise<never>((_resolve, reject) => {
    if (signal?.aborted) reject(new Error('start aborted'))
    signal?.addEventListener('abort', () => reject(new Error('start aborted')), { once: true })
  })
  promise.catch(() => {}) // only raced against
  return promise
}

/** Removes the pid file if it still names `pid` (a restarted OpenCode may have written its own). */
async function removePidFile(path: string, pid: number | undefined) {
  const recorded = await readFile(path, 'utf8').catch(() => undefined)
  if (recorded !== undefined && recorded.trim() === String(pid)) await rm(path, { force: true })
}

function authorizationFor(password: string) {
  return `Basic ${Buffer.from(`${OPENCODE_USERNAME}:${password}`).toString('base64')}`
}

/** Resolves with the URL from "opencode server listening on http://..." on stdout. */
function waitForUrl(
  child: ChildProcess,
  output: () => string,
  exited: Promise<OpencodeExit>,
  deadline: number,
) {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup()
      reject(new Error(`opencode serve printed no URL in time:\n${output()}`))
    }, deadline - Date.now())
    const check = () => {
      const url = /listening on (https?:\/\/\S+)/.exec(output())?.[1]
      if (!url) return
      cleanup()
      resolve(url)
    }
    let settled = false
    const cleanup = () => {
      settled = true
      clearTimeout(timer)
      child.stdout?.off('data', check)
    }
    child.stdout?.on('data', check)
    void exited.then(({ code, signal }) => {
      if (settled) return
      cleanup()
      reject(
        new Error(`opencode serve exited during start-up (code ${code}, signal ${signal}):\n${output()}`),
      )
    })
    check()
  })
}

/** Polls GET /global/health until it answers; returns OpenCode's version. */
async function waitForHealth(
  url: string,
  authorization: string,
  exited: Promise<OpencodeExit>,
  deadline: number,
) {
  let gone = false
  void exited.then(() => {
    gone = true
  })
  let lastError: unknown
  while (!gone && Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/global/health`, {
        headers: { authorization },
        signal: AbortSignal.timeout(5_000),
      })
      if (response.ok) {
        const body = (await response.json()) as { healthy?: boolean; version?: string }
        if (body.healthy !== false) return body.version ?? 'unknown'
      }
      lastError = new Error(`health answered ${response.status}`)
    } catch (error) {
      lastError = error
    }
    await sleep(HEALTH_POLL_MS)
  }
  throw new Error(`opencode serve never became healthy: ${String(lastError ?? 'it exited')}`)
}

function signalGroup(pgid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pgid, signal)
  } catch {
    // The group is already gone.
  }
}

async function killGroup(child: ChildProcess, exited: Promise<OpencodeExit>, graceMs: number) {
  const pid = child.pid
  if (pid === undefined) return
  if (child.exitCode === null && child.signalCode === null) {
    signalGroup(pid, 'SIGTERM')
    const timeout = sleep(graceMs, 'timeout', { ref: false })
    await Promise.race([exited, timeout])
  }
  // Tools OpenCode started (bash) may outlive it: always sweep the group.
  signalGroup(pid, 'SIGKILL')
  if (child.exitCode === null && child.signalCode === null) await exited
}
