/** Reconnect delays for the panel pages: doubling from `initialMs`, capped at `maxMs`. */
export const reconnectDelayMs = { initial: 500, max: 10_000 } as const

/** The wait before reconnect attempt `attempt` (0 for the first retry after a drop). */
export function backoffDelayMs(attempt: number, delays = reconnectDelayMs): number {
  const exponent = Math.max(0, Math.min(attempt, 20))
  return Math.min(delays.initial * 2 ** exponent, delays.max)
}

/** `http://x` -> `ws://x`, `https://x` -> `wss://x`. */
export function webSocketOrigin(origin: string): string {
  return origin.replace(/^http/, 'ws')
}

export type PanelTheme = 'light' | 'dark'

/** The panel's theme from its `?theme=` query; the app passes its own, light otherwise. */
export function themeFromQuery(search: string): PanelTheme {
  return new URLSearchParams(search).get('theme') === 'dark' ? 'dark' : 'light'
}

/**
 * Why a connection ended, for the retry decision. A refusal (policy close codes, or the gateway answering the
 * upgrade with 403) ends the retries: reconnecting cannot change the caller's role. An expired panel cookie (401)
 * also ends them: the app must mint a new token.
 */
export type CloseVerdict = 'retry' | 'forbidden' | 'expired'

export function closeVerdict(code: number, probeStatus?: number): CloseVerdict {
  if (code === 1008 || code === 4403 || probeStatus === 403) return 'forbidden'
  if (code === 4401 || probeStatus === 401) return 'expired'
  return 'retry'
}
