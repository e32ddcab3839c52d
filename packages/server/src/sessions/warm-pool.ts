import { randomBytes } from 'node:crypto'
import type { ControlChannel, RunnerLaunch, SandboxHandle, SandboxProvider } from '@agent-ops/sandbox'
import type { Logger } from '../logger.ts'
import type { ControlSockets } from './control-sockets.ts'
import type { EventLog } from './event-log.ts'
import type { SessionStore } from './session-store.ts'
import type { Transitions } from './transitions.ts'

/** A warm launch: the runner's settings plus the hashes of the tokens in them, stored on the session at claim. */
export type WarmLaunch = { launch: RunnerLaunch; controlTokenHash: string; llmTokenHash: string }

export type WarmPoolDeps = {
  size: number
  provider: SandboxProvider
  channels: ControlSockets
  store: SessionStore
  log: EventLog
  transitions: Transitions
  /** Mints tokens and builds the runner's settings for a sandbox no session owns yet. */
  warmLaunch: (channel: ControlChannel | undefined) => Promise<WarmLaunch>
  /** Whether one more sandbox fits the machine's memory budget. */
  fits: () => Promise<boolean>
  logger: Logger
}

/**
 * A refill starts a sandbox and OpenCode (seconds of CPU); begun at the claim, it competed with the claimed
 * sandbox's runner for the CPU just when that session was connecting. A claimed session is ready well within this.
 */
const refillDelayMs = 1_000

type Warm = { handle: SandboxHandle; tokens: Omit<WarmLaunch, 'launch'> }

/**
 * Pre-started sandboxes (runner and OpenCode up, not yet connected) that new sessions claim, refilled in the
 * background one at a time and only while the memory budget allows. Warm sandboxes belong to no session: the
 * server destroys them when it closes, and a restarted server sweeps any it finds.
 */
export class WarmPool {
  readonly #d: WarmPoolDeps
  readonly #warm: Warm[] = []
  #filling: Promise<void> | undefined
  #refillTimer: NodeJS.Timeout | undefined
  #closed = false

  constructor(deps: WarmPoolDeps) {
    this.#d = deps
  }

  get enabled(): boolean {
    return this.#d.size > 0 && !!this.#d.provider.claim
  }

  /** Sandboxes held by the pool (warming or warm), for the memory budget. */
  get held(): number {
    return this.#warm.length + (this.#filling ? 1 : 0)
  }

  /** How many warm sandboxes have their agent up. */
  async readyCount(): Promise<number> {
    let n = 0
    for (const w of this.#warm) if (await this.#d.provider.agentReady?.(w.handle)) n++
    return n
  }

  fill(): void {
    if (!this.enabled || this.#filling || this.#closed) return
    this.#filling = this.#fillLoop().finally(() => {
      this.#filling = undefined
    })
  }

  async #fillLoop() {
    const { provider, channels, warmLaunch, fits, logger, size } = this.#d
    while (!this.#closed && this.#warm.length < size && (await fits())) {
      const sandboxId = `warm_${randomBytes(9)
        .toString('base64url')
        .replace(/[^A-Za-z0-9]/g, 'x')}`
      try {
        const handle = await provider.create({ sessionId: sandboxId })
        const channel = provider.controlChannel?.(handle)
        if (channel) await channels.listen(sandboxId, channel.socketPath)
        const { launch, ...tokens } = await warmLaunch(channel)
        await provider.start(handle, { ...launch, waitForClaim: true })
        if (this.#closed) {
          await this.#destroy({ handle, tokens })
          return
        }
        this.#warm.push({ handle, tokens })
      } catch (error) {
        logger.error({ err: error }, 'warm pool: cannot start a sandbox')
        await channels.close(sandboxId)
        return
      }
    }
  }

  /**
   * Hands a warm sandbox to a pending session: the session takes over the sandbox, its socket and its tokens,
   * and the runner connects. False when no warm sandbox has its agent up (the session then boots cold).
   */
  async claim(sessionId: string): Promise<boolean> {
    const { provider, store, log, transitions, channels } = this.#d
    if (!this.enabled) return false
    let index = -1
    for (let i = 0; i < this.#warm.length && index < 0; i++)
      if (await provider.agentReady?.(this.#warm[i]!.handle)) index = i
    if (index < 0) return false
    const [warm] = this.#warm.splice(index, 1)
    if (!warm) return false
    await store.update(sessionId, {
      control_token_hash: warm.tokens.controlTokenHash,
      llm_token_hash: warm.tokens.llmTokenHash,
      sandbox_handle: JSON.stringify(warm.handle),
    })
    channels.rekey(warm.handle.sandboxId, sessionId)
    await transitions.to(sessionId, 'provisioning')
    await log.append(sessionId, {
      type: 'session.progress',
      data: { step: 'sandbox.created', detail: 'warm pool' },
    })
    await transitions.to(sessionId, 'starting')
    await provider.claim?.(warm.handle)
    clearTimeout(this.#refillTimer)
    this.#refillTimer = setTimeout(() => this.fill(), refillDelayMs)
    this.#refillTimer.unref()
    return true
  }

  /** Destroys every warm sandbox (they hold no session). */
  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#refillTimer)
    await this.#filling
    const all = this.#warm.splice(0)
    await Promise.all(all.map((w) => this.#destroy(w)))
  }

  async #destroy(warm: Warm) {
    await this.#d.channels.close(warm.handle.sandboxId)
    await this.#d.provider.destroy(warm.handle).catch((error: unknown) => {
      this.#d.logger.error({ err: error }, 'warm pool: cannot destroy a sandbox')
    })
  }
}
