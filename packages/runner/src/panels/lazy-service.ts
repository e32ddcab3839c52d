import type { PanelService, PanelServiceName, PanelServiceState } from '@agent-ops/protocol'

/**
 * One lazily started service's lifecycle: stopped -> starting (with a step for people) -> running, back to
 * stopped when stopped or idle, failed when it could not start or died. start() is idempotent; a failed service
 * starts again on the next request. What "starting" means is the launcher's business.
 */

/** What a launcher returns once its processes are up. */
export type Launched = {
  /** Roots of the service's process trees, for its memory. */
  pids(): number[]
  /** Resolves when the service died by itself (any of its processes). */
  died: Promise<string>
  stop(): Promise<void>
}

export type Launcher<T extends Launched> = (setStep: (step: string) => void) => Promise<T>

export class LazyService<T extends Launched = Launched> {
  readonly name: PanelServiceName
  readonly #launch: Launcher<T>
  #state: PanelServiceState = 'stopped'
  #step: string | undefined
  #error: string | undefined
  #startedAt: Date | undefined
  #lastUsedAt: Date | undefined
  #connections = 0
  #running: T | undefined
  #starting: Promise<void> | undefined
  #stopping: Promise<void> | undefined

  constructor(name: PanelServiceName, launch: Launcher<T>) {
    this.name = name
    this.#launch = launch
  }

  get state(): PanelServiceState {
    return this.#state
  }

  /** What the launcher returned, while the service runs (its ports). */
  get running(): T | undefined {
    return this.#running
  }

  /** Starts the service unless it runs or starts already; resolves once it runs, rejects if it failed. */
  start(): Promise<void> {
    this.touch()
    if (this.#state === 'running') return Promise.resolve()
    this.#starting ??= this.#doStart().finally(() => {
      this.#starting = undefined
    })
    return this.#starting
  }

  async #doStart() {
    if (this.#stopping) await this.#stopping
    this.#state = 'starting'
    this.#error = undefined
    this.#step = undefined
    try {
      const launched = await this.#launch((step) => {
        this.#step = step
      })
      this.#running = launched
      this.#state = 'running'
      this.#step = undefined
      this.#startedAt = new Date()
      void launched.died.then((reason) => {
        if (this.#running !== launched) return
        this.#running = undefined
        this.#state = 'failed'
        this.#error = reason
        void launched.stop()
      })
    } catch (error) {
      this.#state = 'failed'
      this.#step = undefined
      this.#error = (error as Error).message
      throw error
    }
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      if (this.#starting) await this.#starting.catch(() => {})
      const running = this.#running
      this.#running = undefined
      if (running) {
        this.#state = 'stopping'
        await running.stop()
      }
      if (this.#state !== 'failed' || running) this.#state = 'stopped'
      this.#startedAt = undefined
    })().finally(() => {
      this.#stopping = undefined
    })
    return this.#stopping
  }

  /** A request used the service: it is not idle. */
  touch() {
    this.#lastUsedAt = new Date()
  }

  /** An open connection (WebSocket, CDP client) keeps the service from idling; call the result on close. */
  acquire(): () => void {
    this.#connections++
    this.touch()
    let released = false
    return () => {
      if (released) return
      released = true
      this.#connections--
      this.touch()
    }
  }

  /** Running, with no open connection and no request for `idleMs`. */
  idle(now: number, idleMs: number): boolean {
    if (this.#state !== 'running' || this.#connections > 0) return false
    return now - (this.#lastUsedAt?.getTime() ?? 0) >= idleMs
  }

  pids(): number[] {
    return this.#running?.pids() ?? []
  }

  describe(rssBytes: number): PanelService {
    return {
      name: this.name,
      state: this.#state,
      ...(this.#step ? { step: this.#step } : {}),
      ...(this.#error ? { error: this.#error } : {}),
      rssBytes,
      ...(this.#startedAt ? { startedAt: this.#startedAt.toISOString() } : {}),
      ...(this.#lastUsedAt ? { lastUsedAt: this.#lastUsedAt.toISOString() } : {}),
    }
  }
}
