import type { SessionStatus } from '@agent-ops/protocol'
import { conflict, DomainError } from '../errors.ts'
import type { KeyedLock } from './keyed-lock.ts'
import type { SessionStore } from './session-store.ts'

/** Statuses in which a session holds a running sandbox (and its memory reservation). */
export const activeStatuses: readonly SessionStatus[] = [
  'pending',
  'provisioning',
  'starting',
  'ready',
  'working',
  'hibernating',
  'resuming',
]

export type AdmissionLimits = {
  maxActiveSessionsPerUser: number
  memoryBudgetBytes: number
  sandboxMemoryBytes: number
}

export type AdmissionDeps = {
  store: SessionStore
  lock: KeyedLock
  limits: AdmissionLimits
  /** Memory reserved outside sessions (the warm pool's idle sandboxes). */
  reservedBytes: () => number
}

const admissionKey = 'admission'

/**
 * Per-user and per-machine limits, checked and acted on under one lock so two requests cannot both take the
 * last slot: a person over their active-session limit gets 429, a full machine gets 409, each saying why.
 */
export class Admission {
  readonly #d: AdmissionDeps

  constructor(deps: AdmissionDeps) {
    this.#d = deps
  }

  /** Runs `start` (which makes the session active) only if one more active session fits. */
  admit<T>(
    authorId: string,
    start: () => Promise<T>,
    opts: { countsAgainstUser?: boolean } = {},
  ): Promise<T> {
    return this.#d.lock.run(admissionKey, async () => {
      await this.#check(authorId, opts.countsAgainstUser ?? true)
      return start()
    })
  }

  /** Whether one more sandbox (a session or a warm one) fits the machine's memory budget. */
  async fitsOneMore(): Promise<boolean> {
    const { store, limits } = this.#d
    const active = await store.count(activeStatuses)
    return (active + 1) * limits.sandboxMemoryBytes + this.#d.reservedBytes() <= limits.memoryBudgetBytes
  }

  async #check(authorId: string, countsAgainstUser: boolean) {
    const { store, limits } = this.#d
    if (countsAgainstUser) {
      const mine = await store.count(activeStatuses, authorId)
      if (mine >= limits.maxActiveSessionsPerUser)
        throw new DomainError(
          'limit_exceeded',
          `you already have ${mine} active sessions (the limit is ${limits.maxActiveSessionsPerUser}); ` +
            'stop one or let it hibernate first',
        )
    }
    const active = await store.count(activeStatuses)
    // A new session claims a warm sandbox when one is held: that memory is already counted.
    const reserved = Math.max(0, this.#d.reservedBytes() - limits.sandboxMemoryBytes)
    const needed = (active + 1) * limits.sandboxMemoryBytes + reserved
    if (needed > limits.memoryBudgetBytes)
      throw conflict(
        `this machine's sandbox memory budget is full (${active} active sessions at ${mib(limits.sandboxMemoryBytes)} ` +
          `each, budget ${mib(limits.memoryBudgetBytes)}); try again when a session stops or hibernates`,
      )
  }
}

const mib = (bytes: number) => `${Math.round(bytes / 1024 ** 2)} MiB`
