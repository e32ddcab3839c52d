import type { SandboxUsage } from '@agent-ops/sandbox'
import type { Logger } from '../logger.ts'
import { activeStatuses } from './admission.ts'
import type { EventLog } from './event-log.ts'
import type { SandboxControl } from './sandbox-control.ts'
import type { SessionStore } from './session-store.ts'

export type LimitHit = { limit: 'memory' | 'pids' | 'disk'; message: string }

/** Disk use at or above this share of the volume counts as full; it must drop below `diskClearShare` to re-arm. */
const diskFullShare = 0.98
const diskClearShare = 0.9

/** The limit events between two readings of a sandbox's counters (pure; `previous` undefined = first reading). */
export function limitHits(previous: SandboxUsage | undefined, current: SandboxUsage, diskReported: boolean) {
  const hits: LimitHit[] = []
  const before = previous ?? { ...current, oomKills: 0, pidsLimitHits: 0 }
  if (current.oomKills > before.oomKills)
    hits.push({
      limit: 'memory',
      message: `out of memory: the kernel killed ${current.oomKills - before.oomKills} process(es) in the sandbox`,
    })
  if (current.pidsLimitHits > before.pidsLimitHits)
    hits.push({
      limit: 'pids',
      message: `process limit reached: ${current.pidsLimitHits - before.pidsLimitHits} fork(s) refused`,
    })
  const share = current.diskBytes > 0 ? current.diskUsedBytes / current.diskBytes : 0
  let disk = diskReported
  if (!diskReported && share >= diskFullShare) {
    hits.push({
      limit: 'disk',
      message: `disk quota reached: ${Math.round(current.diskUsedBytes / 1024 ** 2)} of ${Math.round(current.diskBytes / 1024 ** 2)} MiB used`,
    })
    disk = true
  } else if (diskReported && share < diskClearShare) disk = false
  return { hits, diskReported: disk }
}

/**
 * Reads every running sandbox's resource counters now and then and reports limit hits (OOM kill, process limit,
 * full disk) as `sandbox.limit` events in the session's log, where people and the CLI see them.
 */
export type SandboxMonitorDeps = {
  store: SessionStore
  log: EventLog
  sandbox: SandboxControl
  intervalMs: number
  logger: Logger
}

export class SandboxMonitor {
  readonly #deps: SandboxMonitorDeps
  readonly #last = new Map<string, { usage: SandboxUsage; diskReported: boolean }>()
  #timer: NodeJS.Timeout | undefined
  #running = false

  constructor(deps: SandboxMonitorDeps) {
    this.#deps = deps
  }

  start(): void {
    if (!this.#deps.sandbox.provider.usage) return
    this.#timer = setInterval(() => void this.check(), this.#deps.intervalMs)
    this.#timer.unref()
  }

  stop(): void {
    clearInterval(this.#timer)
  }

  async check(): Promise<void> {
    const { store, log, sandbox, logger } = this.#deps
    const provider = sandbox.provider
    if (this.#running || !provider.usage) return
    this.#running = true
    try {
      const rows = await store.withStatus(activeStatuses)
      const seen = new Set<string>()
      for (const row of rows) {
        if (!row.sandbox_handle) continue
        seen.add(row.id)
        const usage = await provider.usage(JSON.parse(row.sandbox_handle)).catch(() => undefined)
        if (!usage) continue
        const last = this.#last.get(row.id)
        const { hits, diskReported } = limitHits(last?.usage, usage, last?.diskReported ?? false)
        this.#last.set(row.id, { usage, diskReported })
        for (const hit of hits) {
          logger.warn({ sessionId: row.id, ...hit }, 'sandbox limit hit')
          await log.append(row.id, { type: 'sandbox.limit', data: hit })
        }
      }
      for (const id of this.#last.keys()) if (!seen.has(id)) this.#last.delete(id)
    } catch (error) {
      logger.error({ err: error }, 'sandbox monitor failed')
    } finally {
      this.#running = false
    }
  }
}
