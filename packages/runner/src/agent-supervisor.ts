import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { AgentEvent } from '@agent-ops/protocol'
import type { Event } from '@opencode-ai/sdk/v2/client'
import { type BridgeOutput, type BridgeState, createBridgeState } from './bridge-state.ts'
import type { RunnerEnv } from './env.ts'
import { agentCrashed, bridgeEvent } from './event-bridge.ts'
import { followEvents } from './event-stream.ts'
import type { Logger } from './log.ts'
import {
  createOpencodeApi,
  type OpencodeApi,
  type PermissionReply,
  parseModelRef,
} from './opencode-client.ts'
import {
  buildOpencodeConfig,
  buildOpencodeEnv,
  makeXdgDirs,
  resolveOpencodeBinary,
  xdgDirs,
} from './opencode-config.ts'
import { describeExit, loadFetch, type OpencodeExit, OpencodeProcess } from './opencode-process.ts'
import { type OpencodeSnapshot, reconcile, seed } from './reconcile.ts'
import { readRunnerState, writeRunnerState } from './state-file.ts'

/**
 * Keeps one OpenCode running for the session: starts it, creates or reuses the OpenCode session, follows
 * its events through the bridge, and restarts it when it dies (same XDG dirs, same session), giving up
 * after too many crashes in a short time.
 */
export type AgentSupervisorOptions = {
  env: RunnerEnv
  log: Logger
  /** Every event and policy request the agent produces, in order. */
  onOutput(output: BridgeOutput): void
  /** Too many crashes: the runner should report and exit. */
  onUnrecoverable(): void
  crashLimit?: number
  crashWindowMs?: number
  /** OpenCode started before the runner was loaded (early-start.ts): adopted by the first launch. */
  prestarted?: Promise<OpencodeProcess>
  /** Aborts the prestarted OpenCode's start-up; stop() calls it. */
  abortPrestart?: () => void
}

type Running = { proc: OpencodeProcess; api: OpencodeApi; sessionId: string; stopEvents: AbortController }

const CRASH_LIMIT = 5
const CRASH_WINDOW_MS = 60_000
const RESTART_DELAY_MS = 200

const exitedEarly = (proc: OpencodeProcess) =>
  proc.exited.then(({ code, signal }) => {
    throw new Error(`OpenCode exited during start-up${describeExit({ code, signal })}`)
  })

const stopped = (signal: AbortSignal) =>
  new Promise<never>((_resolve, reject) => {
    const abort = () => reject(new Error('runner stopping'))
    if (signal.aborted) abort()
    else signal.addEventListener('abort', abort, { once: true })
  })

const timeout = (ms: number, what: string) =>
  sleep(ms, undefined, { ref: false }).then(() => {
    throw new Error(`${what} not ready within ${ms} ms`)
  })

type StoredSnapshot = { sessionId: string; snapshot: OpencodeSnapshot }

/** Everything the bridge needs to catch up with a session: its messages, statuses and open asks. */
async function snapshotOf(api: OpencodeApi, sessionId: string): Promise<OpencodeSnapshot> {
  const [messages, statuses, permissions, questions] = await Promise.all([
    api.messages(sessionId),
    api.statuses(),
    api.pendingPermissions(),
    api.pendingQuestions(),
  ])
  return { messages, statuses, permissions, questions }
}

/**
 * A stored session as an OpenCode this runner has just started sees it. Seeding needs only its latest message
 * (reconcile.ts: seed); the whole conversation, which grows with the session, would be read back on every resume.
 * Statuses and pending asks live in OpenCode's memory, not in its database (1.18: a session busy on a permission
 * and a question shows neither after a restart), and this OpenCode has had no prompt yet, so there are none: asking
 * would only queue three more requests behind its instance set-up on the way to ready.
 */
async function startedSnapshotOf(api: OpencodeApi, sessionId: string): Promise<OpencodeSnapshot> {
  const messages = await api.messages(sessionId, { limit: 1 })
  return { messages, statuses: {}, permissions: [], questions: [] }
}

export class AgentSupervisor {
  readonly #opts: AgentSupervisorOptions
  readonly #binary: string
  #state: BridgeState | undefined
  /** Resolves with the running agent; replaced by a pending promise while OpenCode restarts. */
  #running: Promise<Running>
  #resolveRunning!: (running: Running) => void
  #current: Running | undefined
  #crashTimes: number[] = []
  #stopping = false
  /** Aborted by stop(): an OpenCode still starting is given up and killed. */
  readonly #stopSignal = new AbortController()
  /** The launch or recovery in progress, so stop() can wait for it to wind down. */
  #launching: Promise<void> | undefined
  #version: string | undefined
  #prestarted: Promise<OpencodeProcess> | undefined

  constructor(opts: AgentSupervisorOptions) {
    this.#opts = opts
    this.#prestarted = opts.prestarted
    this.#binary = opts.env.opencodeBin ?? resolveOpencodeBinary()
    this.#running = this.#pendingRunning()
  }

  /** OpenCode's version, once it answered its health check. */
  get version(): string | undefined {
    return this.#version
  }

  /** The OpenCode process id (its process group id), while one runs. */
  get opencodePid(): number | undefined {
    return this.#current?.proc.pid
  }

  /** Starts OpenCode; emits agent.ready once the session is set and its events are followed. */
  async start(): Promise<void> {
    this.#launching = this.#launchOrRecover(undefined)
    await this.#launching
  }

  async prompt(text: string, model: string): Promise<void> {
    const running = await this.#running
    await running.api.promptAsync(running.sessionId, text, parseModelRef(model))
  }

  async abort(): Promise<void> {
    const running = this.#current
    if (running) await running.api.abort(running.sessionId)
  }

  async replyPermission(requestId: string, reply: PermissionReply): Promise<void> {
    await (await this.#running).api.replyPermission(requestId, reply)
  }

  async rejectQuestion(requestId: string): Promise<void> {
    await (await this.#running).api.rejectQuestion(requestId)
  }

  async stop(): Promise<void> {
    this.#stopping = true
    this.#stopSignal.abort()
    this.#opts.abortPrestart?.()
    const running = this.#current
    this.#current = undefined
    if (running) {
      running.stopEvents.abort()
      await running.proc.stop()
    }
    await this.#launching
  }

  #pendingRunning() {
    return new Promise<Running>((resolve) => {
      this.#resolveRunning = resolve
    })
  }

  #emit(events: AgentEvent[]) {
    if (events.length > 0) this.#opts.onOutput({ events, requests: [] })
  }

  /** Launches OpenCode; a failure counts as a crash. `restart` says why, when this is a restart. */
  async #launchOrRecover(restart: { reason: string; attempt: number } | undefined): Promise<void> {
    try {
      const running = await this.#launch()
      if (this.#stopping) return void (await running.proc.stop())
      this.#current = running
      this.#resolveRunning(running)
      void running.proc.exited.then((exit) => this.#onExit(running, exit))
      this.#opts.log.info(restart ? 'agent restarted' : 'agent ready', {
        opencodeSessionId: running.sessionId,
      })
      if (restart) this.#emit([{ type: 'agent.restarted', data: restart }])
      else this.#emit([{ type: 'agent.ready', data: { agentVersion: running.proc.version } }])
    } catch (error) {
      if (this.#stopping) return
      this.#opts.log.error('OpenCode failed to start', { error })
      await this.#recover(`OpenCode failed to start: ${(error as Error).message.split('\n')[0]}`)
    }
  }

  async #launch(): Promise<Running> {
    const { env, log } = this.#opts
    const prestarted = this.#prestarted
    // Only the first launch adopts it; a restart after a crash starts OpenCode anew.
    this.#prestarted = undefined
    void loadFetch()
    const proc = prestarted ? await prestarted : await this.#startOpencode()
    this.#version = proc.version
    log.info('OpenCode started', { pid: proc.pid, url: proc.url, version: proc.version })
    try {
      const api = createOpencodeApi({
        url: proc.url,
        authorization: proc.authorization,
        directory: env.workspace,
      })
      const stopEvents = new AbortController()
      // Subscribe and set the session up in parallel; the first `server.connected` waits for the session.
      // A runner resuming a stored session reads it while OpenCode sets up its instance, not after its event
      // stream is connected: OpenCode was just started and gets no prompt before agent.ready, so nothing in
      // the session can change in between.
      const known = this.#state
        ? Promise.resolve(this.#state.sessionId)
        : readRunnerState(env.stateDir).then((recorded) => recorded?.opencodeSessionId)
      let stored = this.#state ? undefined : this.#storedSnapshot(api, known)
      const session = this.#ensureSession(api, known)
      session.catch(() => {}) // handled below
      let connected!: () => void
      const firstConnect = new Promise<void>((resolve) => {
        connected = resolve
      })
      void followEvents({
        api,
        signal: stopEvents.signal,
        log,
        onConnected: async () => {
          const early = stored
          stored = undefined // the first connect only: a reconnect reads the session anew
          await this.#catchUp(api, await session, early)
          connected()
        },
        onEvent: (event) => this.#onEvent(event),
      })
      try {
        // One budget for OpenCode's first answers: a request it never answers must not hold the boot forever
        // (the launch then counts as a crash, and OpenCode is restarted).
        const guards = [
          exitedEarly(proc),
          timeout(env.opencodeConnectTimeoutMs, 'OpenCode session and event stream'),
          stopped(this.#stopSignal.signal),
        ]
        for (const guard of guards) guard.catch(() => {}) // they reject later, when no one waits any more
        const { sessionId } = await Promise.race([session, ...guards])
        await Promise.race([firstConnect, ...guards])
        return { proc, api, sessionId, stopEvents }
      } catch (error) {
        stopEvents.abort()
        throw error
      }
    } catch (error) {
      await proc.stop(0)
      throw error
    }
  }

  async #startOpencode(): Promise<OpencodeProcess> {
    const { env, log } = this.#opts
    const xdg = xdgDirs(env.stateDir)
    makeXdgDirs(xdg)
    const browser = env.panelSocket ? { cdpPort: env.cdpPort, mcpPort: env.browserMcpPort } : undefined
    const config = buildOpencodeConfig(env.opencodeConfig, browser)
    return OpencodeProcess.start({
      binary: this.#binary,
      cwd: env.workspace,
      env: (password) => buildOpencodeEnv({ inherited: process.env, xdg, password, config }),
      pidFile: join(env.stateDir, 'opencode.pid'),
      log,
      signal: this.#stopSignal.signal,
    })
  }

  /** The stored session's state, for a runner starting on one (undefined when there is none or it failed). */
  async #storedSnapshot(
    api: OpencodeApi,
    known: Promise<string | undefined>,
  ): Promise<StoredSnapshot | undefined> {
    try {
      const sessionId = await known
      if (!sessionId) return undefined
      return { sessionId, snapshot: await startedSnapshotOf(api, sessionId) }
    } catch {
      return undefined // read again after the connect, as without this
    }
  }

  /**
   * The known OpenCode session (this runner's, or the one an earlier runner recorded) if OpenCode still has it,
   * else a new one (recorded for the next start).
   */
  async #ensureSession(
    api: OpencodeApi,
    known: Promise<string | undefined>,
  ): Promise<{ sessionId: string; reused: boolean }> {
    const sessionId = await known
    if (sessionId && (await api.sessionExists(sessionId))) return { sessionId, reused: true }
    const created = await api.createSession()
    await writeRunnerState(this.#opts.env.stateDir, { opencodeSessionId: created })
    this.#opts.log.info('OpenCode session created', { opencodeSessionId: created })
    return { sessionId: created, reused: false }
  }

  /** After each (re)connect of the event stream: reconcile, or seed a runner that reuses a stored session. */
  async #catchUp(
    api: OpencodeApi,
    session: { sessionId: string; reused: boolean },
    stored?: Promise<StoredSnapshot | undefined>,
  ) {
    const fresh = this.#state?.sessionId !== session.sessionId
    if (fresh) this.#state = createBridgeState(session.sessionId)
    // A session created a moment ago has no message, status or ask to catch up on: skip the four requests.
    if (fresh && !session.reused) return
    const state = this.#state!
    const early = fresh ? await stored : undefined
    const snapshot =
      early?.sessionId === session.sessionId ? early.snapshot : await snapshotOf(api, session.sessionId)
    const output = fresh && session.reused ? seed(state, snapshot) : reconcile(state, snapshot)
    if (output.events.length > 0) this.#opts.log.info('reconciled', { events: output.events.length })
    this.#opts.onOutput(output)
  }

  #onEvent(event: Event) {
    const state = this.#state
    if (!state) return
    const output = bridgeEvent(state, event)
    if (output.events.length > 0 || output.requests.length > 0) this.#opts.onOutput(output)
  }

  async #onExit(running: Running, exit: OpencodeExit) {
    running.stopEvents.abort()
    if (running.proc.stopping || this.#stopping) return
    this.#current = undefined
    this.#running = this.#pendingRunning()
    const reason = `OpenCode exited unexpectedly${describeExit(exit)}`
    this.#opts.log.error(reason)
    this.#launching = this.#recover(reason)
    await this.#launching
  }

  /** Reports the crash, then restarts OpenCode or, after too many crashes, gives up. */
  async #recover(reason: string) {
    if (this.#stopping) return
    if (this.#state) this.#emit(agentCrashed(this.#state, reason))
    else this.#emit([{ type: 'agent.error', data: { kind: 'agent_crashed', message: reason } }])
    const now = Date.now()
    const windowMs = this.#opts.crashWindowMs ?? CRASH_WINDOW_MS
    this.#crashTimes = [...this.#crashTimes.filter((at) => now - at < windowMs), now]
    const attempt = this.#crashTimes.length
    if (attempt >= (this.#opts.crashLimit ?? CRASH_LIMIT)) {
      const message = `OpenCode crashed ${attempt} times within ${windowMs / 1000} s: giving up`
      this.#opts.log.error(message)
      this.#emit([{ type: 'agent.error', data: { kind: 'agent_unrecoverable', message } }])
      this.#opts.onUnrecoverable()
      return
    }
    await sleep(RESTART_DELAY_MS * attempt, undefined, { signal: this.#stopSignal.signal }).catch(() => {})
    if (this.#stopping) return
    await this.#launchOrRecover({ reason, attempt })
  }
}
