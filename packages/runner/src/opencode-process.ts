import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync, type FSWatcher, openSync, readFileSync, readSync, watch, writeFileSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from './log.ts'

/**
 * One `opencode serve` process, in its own process group (its pgid goes to a pid file so the provider can kill it
 * if the runner dies), ready once it printed its URL and answers /global/health. Either started here, as the
 * runner's child, or adopted: started by the sandbox's launcher (launch-opencode.sh) before the runner.
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

/** An OpenCode the launcher started: what it passed to the runner (AGENT_OPS_OPENCODE_*). */
export type AdoptOptions = {
  pid: number
  password: string
  /** The file OpenCode's stdout and stderr go to. */
  outputFile: string
  /** Its working directory: the directory the instance is warmed up for. */
  cwd: string
  pidFile: string
  log: Logger
  startTimeoutMs?: number
  signal?: AbortSignal
}

/** Both null for an adopted process: its parent (the sandbox's init) got its status, not the runner. */
export type OpencodeExit = { code: number | null; signal: NodeJS.Signals | null }

/** " (code 1)", " (signal SIGKILL)", or nothing when the status is not known. */
export function describeExit({ code, signal }: OpencodeExit): string {
  if (signal) return ` (signal ${signal})`
  return code === null ? '' : ` (code ${code})`
}

export const OPENCODE_USERNAME = 'opencode'
const DEFAULT_START_TIMEOUT_MS = 60_000
const STOP_GRACE_MS = 3_000
const HEALTH_POLL_MS = 50
const OUTPUT_TAIL_CHARS = 8_192
/** How often an adopted OpenCode's output file is read for its URL when inotify reports no write (waitForUrlInFile). */
const OUTPUT_POLL_MS = 50
const EXIT_POLL_MS = 100
const EXIT_POLL_STOPPING_MS = 10

/** What start() and adopt() share: the process, whoever's child it is. */
type Tracked = {
  pid: number
  exited: Promise<OpencodeExit>
  running(): boolean
  /** Faster exit detection while a stop waits for it (adopted processes are polled). */
  stopping?(): void
}

export class OpencodeProcess {
  readonly url: string
  readonly password: string
  readonly pid: number
  readonly version: string
  /** Resolves when the process has exited, for whatever reason. */
  readonly exited: Promise<OpencodeExit>
  readonly #process: Tracked
  readonly #pidFile: string
  #stopping = false

  private constructor(init: {
    process: Tracked
    url: string
    password: string
    version: string
    pidFile: string
  }) {
    this.#process = init.process
    this.url = init.url
    this.password = init.password
    this.pid = init.process.pid
    this.version = init.version
    this.exited = init.process.exited
    this.#pidFile = init.pidFile
  }

  /** Basic auth for every request to `url`. */
  get authorization(): string {
    return authorizationFor(this.password)
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
    const tracked: Tracked = {
      pid: child.pid ?? -1,
      exited,
      running: () => child.exitCode === null && child.signalCode === null,
    }
    const pidFile = opts.pidFile
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
      return await OpencodeProcess.#ready(tracked, {
        url,
        password,
        cwd: opts.cwd,
        pidFile,
        deadline,
        aborted,
      })
    } catch (error) {
      await killGroup(tracked, 0)
      await removePidFile(pidFile, child.pid)
      throw error
    }
  }

  /**
   * Takes over an OpenCode the launcher started (launch-opencode.sh). It is not this process's child: its exit is
   * seen in /proc, its output read from its file.
   */
  static async adopt(opts: AdoptOptions): Promise<OpencodeProcess> {
    opts.log.addSecret(opts.password)
    const tracked = watchProcess(opts.pid)
    void tracked.exited.then(() => removePidFile(opts.pidFile, opts.pid))
    try {
      const deadline = Date.now() + (opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS)
      const aborted = abortion(opts.signal)
      const url = await Promise.race([waitForUrlInFile(opts.outputFile, tracked, deadline), aborted])
      return await OpencodeProcess.#ready(tracked, { ...opts, url, deadline, aborted })
    } catch (error) {
      await killGroup(tracked, 0)
      await removePidFile(opts.pidFile, opts.pid)
      throw error
    }
  }

  /** From its URL to ready: healthy, with its instance for `cwd` being set up meanwhile. */
  static async #ready(
    tracked: Tracked,
    opts: {
      url: string
      password: string
      cwd: string
      pidFile: string
      deadline: number
      /** Rejects when the start is given up. */
      aborted: Promise<never>
    },
  ): Promise<OpencodeProcess> {
    const authorization = authorizationFor(opts.password)
    warmUpInstance(opts.url, authorization, opts.cwd)
    const version = await Promise.race([
      waitForHealth(opts.url, authorization, tracked.exited, opts.deadline),
      opts.aborted,
    ])
    return new OpencodeProcess({
      process: tracked,
      url: opts.url,
      password: opts.password,
      version,
      pidFile: opts.pidFile,
    })
  }

  /** SIGTERM, then SIGKILL to the whole process group after the grace period (OpenCode may ignore SIGTERM). */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    this.#stopping = true
    await killGroup(this.#process, graceMs)
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
 * Loads Node's fetch (undici, and the web streams it uses) with a request that goes nowhere. Node loads it on the
 * first fetch, ~50 ms here: called while OpenCode starts, that is not spent after OpenCode is listening, where the
 * first requests to it (health, the instance warm-up) would wait for it.
 */
export async function loadFetch(): Promise<void> {
  await fetch('data:,')
    .then((response) => response.arrayBuffer())
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

/** The URL in OpenCode's "opencode server listening on http://..." line, once its output has it. */
const urlIn = (output: string) => /listening on (https?:\/\/\S+)/.exec(output)?.[1]

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
      const url = urlIn(output())
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

/** Signals a whole process group; nothing when it is gone already. */
export function signalGroup(pgid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pgid, signal)
  } catch {
    // The group is already gone.
  }
}

async function killGroup(proc: Tracked, graceMs: number) {
  const pid = proc.pid
  if (pid < 0) return
  proc.stopping?.()
  if (proc.running()) {
    signalGroup(pid, 'SIGTERM')
    const timeout = sleep(graceMs, 'timeout', { ref: false })
    await Promise.race([proc.exited, timeout])
  }
  // Tools OpenCode started (bash) may outlive it: always sweep the group.
  signalGroup(pid, 'SIGKILL')
  if (proc.running()) await proc.exited
}

/** The start time of `pid` (field 22 of /proc/PID/stat), or undefined when it is gone or a zombie. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) is in parentheses and may contain anything: the fields after it are counted.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return fields[0] === 'Z' ? undefined : fields[19]
  } catch {
    return undefined
  }
}

/** A process that is not this one's child: alive while /proc shows it (the same one: same start time). */
function watchProcess(pid: number): Tracked {
  const startedAt = startTimeOf(pid)
  let gone = startedAt === undefined
  const running = () => {
    if (!gone && startTimeOf(pid) !== startedAt) gone = true
    return !gone
  }
  let intervalMs = EXIT_POLL_MS
  const exited = new Promise<OpencodeExit>((resolve) => {
    const check = () => {
      if (!running()) return resolve({ code: null, signal: null }) // its parent (the sandbox's init) got the status
      setTimeout(check, intervalMs).unref()
    }
    check()
  })
  return {
    pid,
    exited,
    running,
    stopping: () => {
      intervalMs = EXIT_POLL_STOPPING_MS
    },
  }
}

/**
 * Resolves with the URL from "opencode server listening on http://..." in an adopted OpenCode's output file. The file
 * is read again when inotify reports a write to it, and every OUTPUT_POLL_MS in case it does not: a read every few
 * milliseconds instead cost the runner 0.1-0.2 s of CPU while OpenCode starts, on the same cores.
 */
async function waitForUrlInFile(path: string, proc: Tracked, deadline: number): Promise<string> {
  let gone = false
  let wake: (() => void) | undefined
  void proc.exited.then(() => {
    gone = true
    wake?.()
  })
  // Set by every write inotify reports, so one that lands while the file is being read is not missed.
  let written = true
  let watcher: FSWatcher | undefined
  try {
    watcher = watch(path, () => {
      written = true
      wake?.()
    })
    watcher.on('error', () => {}) // the poll below still reads it
  } catch {
    // No inotify here: the poll alone.
  }
  try {
    for (;;) {
      written = false
      const output = await readFile(path, 'utf8').catch(() => '')
      const url = urlIn(output)
      if (url) return url
      if (gone) throw new Error(`opencode serve exited during start-up:\n${output.slice(-OUTPUT_TAIL_CHARS)}`)
      if (Date.now() > deadline)
        throw new Error(`opencode serve printed no URL in time:\n${output.slice(-OUTPUT_TAIL_CHARS)}`)
      if (!written)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, OUTPUT_POLL_MS)
          wake = () => {
            clearTimeout(timer)
            resolve()
          }
        })
      wake = undefined
    }
  } finally {
    watcher?.close()
  }
}
