import type { ControlChannel, RunnerLaunch, SandboxHandle, SandboxProvider } from '@agent-ops/sandbox'
import { SandboxError } from '@agent-ops/sandbox'
import type { Logger } from '../logger.ts'
import type { ControlSockets } from './control-sockets.ts'
import type { EventLog } from './event-log.ts'
import type { RunnerLinks } from './ports.ts'
import type { SessionStore } from './session-store.ts'
import type { Transitions } from './transitions.ts'

/** The runner's launch settings; `channel` is set when the runner reaches the server over its own socket. */
export type LaunchFactory = (sessionId: string, channel?: ControlChannel) => Promise<RunnerLaunch>

export type SandboxControlDeps = {
  provider: SandboxProvider
  store: SessionStore
  log: EventLog
  transitions: Transitions
  launch: LaunchFactory
  channels: ControlSockets
  runners: RunnerLinks
  logger: Logger
}

/** Creates, starts, hibernates, resumes and tears down a session's sandbox, reporting boot progress as events. */
export class SandboxControl {
  readonly #deps: SandboxControlDeps
  /**
   * The provider's create, start or resume still running, per session. A teardown waits for it: removing a sandbox
   * while its runner is being spawned would miss the runner, which then runs on, orphaned, in a removed sandbox.
   */
  readonly #inFlight = new Map<string, Promise<void>>()
  /** Called once the provider has started (or resumed) the sandbox, so the owner can watch it come up. */
  onStarted: (sessionId: string, status: 'starting' | 'resuming') => void = () => {}

  constructor(deps: SandboxControlDeps) {
    this.#deps = deps
  }

  get provider(): SandboxProvider {
    return this.#deps.provider
  }

  /** pending -> provisioning -> starting; the runner's hello and agent.ready take it on to ready. */
  async boot(sessionId: string): Promise<void> {
    const { provider, store, log, transitions } = this.#deps
    try {
      if (!(await transitions.to(sessionId, 'provisioning'))) return
      const handle = await this.#track(sessionId, async () => {
        const made = await provider.create({ sessionId })
        await store.update(sessionId, { sandbox_handle: JSON.stringify(made) })
        return made
      })
      await log.append(sessionId, { type: 'session.progress', data: { step: 'sandbox.created' } })
      if (!(await transitions.to(sessionId, 'starting'))) return this.teardown(sessionId)
      await this.#track(sessionId, async () => provider.start(handle, await this.#launch(sessionId, handle)))
      this.onStarted(sessionId, 'starting')
    } catch (error) {
      await this.#failed(sessionId, error, 'sandbox start failed')
    }
  }

  /** ready -> hibernating -> hibernated: every process stops; the workspace and the agent's data stay. */
  async hibernate(sessionId: string): Promise<boolean> {
    const { provider, transitions, runners, channels } = this.#deps
    const handle = await this.handle(sessionId)
    if (!handle || !provider.hibernate) return false
    if (!(await transitions.to(sessionId, 'hibernating'))) return false
    try {
      runners.disconnect(sessionId)
      await provider.hibernate(handle)
      await channels.close(sessionId)
      return await transitions.to(sessionId, 'hibernated')
    } catch (error) {
      await this.#failed(sessionId, error, 'hibernation failed')
      return false
    }
  }

  /** hibernated -> resuming; the runner's agent.ready (same conversation, same workspace) makes it ready. */
  async resume(sessionId: string): Promise<boolean> {
    const { provider, transitions } = this.#deps
    const handle = await this.handle(sessionId)
    if (!handle || !provider.resume) return false
    if (!(await transitions.to(sessionId, 'resuming'))) return false
    try {
      await this.#track(sessionId, async () =>
        provider.resume?.(handle, await this.#launch(sessionId, handle)),
      )
      this.onStarted(sessionId, 'resuming')
      return true
    } catch (error) {
      await this.#failed(sessionId, error, 'resume failed')
      return false
    }
  }

  /** Listens on a re-adopted sandbox's control socket again, so its runner can reconnect. */
  async reattach(sessionId: string): Promise<void> {
    const handle = await this.handle(sessionId)
    const channel = handle && this.#deps.provider.controlChannel?.(handle)
    if (channel) await this.#deps.channels.listen(sessionId, channel.socketPath)
  }

  async #launch(sessionId: string, handle: SandboxHandle): Promise<RunnerLaunch> {
    const channel = this.#deps.provider.controlChannel?.(handle)
    if (channel) await this.#deps.channels.listen(sessionId, channel.socketPath)
    return this.#deps.launch(sessionId, channel)
  }

  async #failed(sessionId: string, error: unknown, what: string) {
    const reason = error instanceof SandboxError ? error.message : `${what}: ${(error as Error).message}`
    this.#deps.logger.error({ sessionId, err: error }, what)
    await this.#deps.transitions.to(sessionId, 'failed', reason)
    await this.teardown(sessionId, { keepFiles: true })
  }

  /** Runs `work` as the session's provider operation in flight (see #inFlight); its outcome is the caller's. */
  async #track<T>(sessionId: string, work: () => Promise<T>): Promise<T> {
    const running = work()
    const settled = running.then(
      () => {},
      () => {},
    )
    this.#inFlight.set(sessionId, settled)
    try {
      return await running
    } finally {
      if (this.#inFlight.get(sessionId) === settled) this.#inFlight.delete(sessionId)
    }
  }

  async handle(sessionId: string): Promise<SandboxHandle | undefined> {
    const row = await this.#deps.store.row(sessionId)
    return row.sandbox_handle ? (JSON.parse(row.sandbox_handle) as SandboxHandle) : undefined
  }

  async isRunning(sessionId: string): Promise<boolean> {
    const handle = await this.handle(sessionId)
    return handle ? (await this.#deps.provider.status(handle)) === 'running' : false
  }

  /** Stops the sandbox's processes; removes its files unless `keepFiles` (a failed session keeps them to inspect). */
  async teardown(sessionId: string, opts: { keepFiles?: boolean } = {}): Promise<void> {
    const { provider, logger, channels } = this.#deps
    await this.#inFlight.get(sessionId)
    await channels.close(sessionId)
    const handle = await this.handle(sessionId)
    if (!handle) return
    try {
      if (opts.keepFiles && provider.hibernate) await provider.hibernate(handle)
      else await provider.destroy(handle)
    } catch (error) {
      logger.error({ sessionId, err: error }, 'sandbox teardown failed')
    }
  }
}
