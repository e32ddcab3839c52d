import type { RunnerLaunch, SandboxHandle, SandboxProvider } from '@agent-ops/sandbox'
import { SandboxError } from '@agent-ops/sandbox'
import type { Logger } from '../logger.ts'
import type { EventLog } from './event-log.ts'
import type { SessionStore } from './session-store.ts'
import type { Transitions } from './transitions.ts'

export type LaunchFactory = (sessionId: string) => Promise<RunnerLaunch>

export type SandboxControlDeps = {
  provider: SandboxProvider
  store: SessionStore
  log: EventLog
  transitions: Transitions
  launch: LaunchFactory
  logger: Logger
}

/** Creates, starts and tears down a session's sandbox, reporting boot progress as events. */
export class SandboxControl {
  readonly #deps: SandboxControlDeps

  constructor(deps: SandboxControlDeps) {
    this.#deps = deps
  }

  /** pending -> provisioning -> starting; the runner's hello and agent.ready take it on to ready. */
  async boot(sessionId: string): Promise<void> {
    const { provider, store, log, transitions, launch } = this.#deps
    try {
      if (!(await transitions.to(sessionId, 'provisioning'))) return
      const handle = await provider.create({ sessionId })
      await store.update(sessionId, { sandbox_handle: JSON.stringify(handle) })
      await log.append(sessionId, { type: 'session.progress', data: { step: 'sandbox.created' } })
      if (!(await transitions.to(sessionId, 'starting'))) return this.teardown(sessionId)
      await provider.start(handle, await launch(sessionId))
    } catch (error) {
      const reason =
        error instanceof SandboxError ? error.message : `sandbox start failed: ${(error as Error).message}`
      this.#deps.logger.error({ sessionId, err: error }, 'boot failed')
      await transitions.to(sessionId, 'failed', reason)
      await this.teardown(sessionId, { keepFiles: true })
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
    const { provider, logger } = this.#deps
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
