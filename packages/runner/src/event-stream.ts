import { setTimeout as sleep } from 'node:timers/promises'
import type { Event } from '@opencode-ai/sdk/v2/client'
import type { Logger } from './log.ts'
import type { OpencodeApi } from './opencode-client.ts'

/**
 * Follows OpenCode's `/event` stream until `signal` aborts, reconnecting whenever it ends. Each connection
 * starts with `server.connected`; `onConnected` (the reconciliation) runs before any later event of that
 * connection is handed on, since the stream is not read while it runs.
 */
export type FollowEventsOptions = {
  api: OpencodeApi
  signal: AbortSignal
  log: Logger
  onConnected(): Promise<void>
  onEvent(event: Event): void
  retryDelayMs?: number
}

const RETRY_DELAY_MS = 250

export async function followEvents(opts: FollowEventsOptions): Promise<void> {
  const { signal, log } = opts
  while (!signal.aborted) {
    try {
      const stream = await opts.api.events(signal)
      for await (const event of stream) {
        if (signal.aborted) break
        if (event.type === 'server.connected') await opts.onConnected()
        else opts.onEvent(event)
      }
    } catch (error) {
      if (!signal.aborted) log.warn('OpenCode event stream failed', { error })
    }
    if (signal.aborted) break
    log.warn('OpenCode event stream ended: reconnecting')
    await sleep(opts.retryDelayMs ?? RETRY_DELAY_MS, undefined, { signal }).catch(() => {})
  }
}
