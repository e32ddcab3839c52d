import type { SessionEvent } from '@agent-ops/protocol'
import { sessionEventTypes } from '@agent-ops/protocol/vocabulary'
import { createParser } from 'eventsource-parser'
import { ApiError, ConnectionError, InvalidResponseError } from './errors.ts'
import type { Transport } from './http.ts'

export interface EventStreamOptions {
  /** Start after this sequence number (exclusive); 0 or absent = from the beginning of the log. */
  after?: number
  /** Aborting ends the iteration quietly. Breaking out of the `for await` loop works as well. */
  signal?: AbortSignal
  /** Reconnect after a dropped connection, resuming after the last event seen. Default true. */
  reconnect?: boolean
  /**
   * With nothing at all received for this long (the server sends `: ping` heartbeats), the connection is
   * treated as dead and reopened. Default 45 s.
   */
  idleTimeoutMs?: number
}

export const reconnectDelayMs = { initial: 250, max: 5_000 } as const
const defaultIdleTimeoutMs = 45_000

/**
 * Follows a session's event log: the events after `after`, then live ones, in order, each exactly once.
 * Built on fetch streaming (EventSource cannot send an Authorization header). Errors the server answers with
 * (401, 404, ...) end the iteration with an ApiError; dropped connections and 5xx answers are retried with
 * backoff and `Last-Event-ID` when `reconnect` is on.
 */
export async function* followSessionEvents(
  transport: Transport,
  sessionId: string,
  options: EventStreamOptions = {},
): AsyncGenerator<SessionEvent, void, undefined> {
  for await (const batch of followSessionEventBatches(transport, sessionId, options)) yield* batch
}

/**
 * The same stream, in batches: the events parsed from one network read (a backlog page arrives in a few), never
 * empty.
 * For consumers that fold thousands of events on open, one step per batch instead of one per event.
 */
export async function* followSessionEventBatches(
  transport: Transport,
  sessionId: string,
  options: EventStreamOptions = {},
): AsyncGenerator<SessionEvent[], void, undefined> {
  const reconnect = options.reconnect ?? true
  const idleTimeoutMs = options.idleTimeoutMs ?? defaultIdleTimeoutMs
  const path = `/api/sessions/${encodeURIComponent(sessionId)}/events`
  const stopped = new AbortController()
  const stop = () => stopped.abort()
  options.signal?.addEventListener('abort', stop, { once: true })
  if (options.signal?.aborted) stop()
  let lastSeq = options.after ?? 0
  let delayMs: number = reconnectDelayMs.initial

  try {
    while (!stopped.signal.aborted) {
      const connection = new AbortController()
      const abortConnection = () => connection.abort()
      stopped.signal.addEventListener('abort', abortConnection, { once: true })
      try {
        const headers: Record<string, string> = { accept: 'text/event-stream' }
        if (lastSeq > 0) headers['last-event-id'] = String(lastSeq)
        const response = await transport.send('GET', path, { headers, signal: connection.signal })
        delayMs = reconnectDelayMs.initial
        for await (const batch of readEvents(response, transport.url(path), connection, idleTimeoutMs)) {
          // The server resumes exactly after Last-Event-ID; this guard keeps the promise if it ever does not.
          const fresh: SessionEvent[] = []
          for (const event of batch) {
            if (event.seq <= lastSeq) continue
            lastSeq = event.seq
            fresh.push(event)
          }
          if (fresh.length > 0) yield fresh
        }
      } catch (error) {
        if (stopped.signal.aborted) return
        const permanent =
          error instanceof InvalidResponseError || (error instanceof ApiError && error.status < 500)
        if (permanent) throw error
        if (!reconnect) {
          const known = error instanceof ApiError || error instanceof ConnectionError
          throw known ? error : new ConnectionError(transport.url(path), error)
        }
      } finally {
        stopped.signal.removeEventListener('abort', abortConnection)
        connection.abort()
      }
      if (!reconnect) return
      await sleep(delayMs, stopped.signal)
      delayMs = Math.min(delayMs * 2, reconnectDelayMs.max)
    }
  } finally {
    options.signal?.removeEventListener('abort', stop)
    stop()
  }
}

/**
 * Checks what identifies an event and trusts its payload. The server only streams events it stored after
 * validating them against the same protocol; checking every payload again with zod took the browser longer
 * than everything else in opening a 10,000-event session. An unknown type (a server newer than this client)
 * is still refused.
 */
function checkEvent(data: unknown): SessionEvent | string {
  if (typeof data !== 'object' || data === null) return 'expected an object'
  const { seq, type, at, data: payload } = data as Record<string, unknown>
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq <= 0)
    return 'seq: expected a positive integer'
  if (typeof type !== 'string' || !sessionEventTypes.has(type)) return `type: unknown event type ${type}`
  if (typeof at !== 'string') return 'at: expected a timestamp'
  if (typeof payload !== 'object' || payload === null) return 'data: expected an object'
  return data as SessionEvent
}

/** Parses one SSE response body into checked events, a batch per chunk read; ends when the body ends. */
async function* readEvents(
  response: Response,
  url: string,
  connection: AbortController,
  idleTimeoutMs: number,
): AsyncGenerator<SessionEvent[], void, undefined> {
  if (!response.body) throw new InvalidResponseError(url, 'the event stream has no body')
  let parsed: SessionEvent[] = []
  let invalid: InvalidResponseError | undefined
  const parser = createParser({
    onEvent(message) {
      if (invalid || !message.data) return
      let data: unknown
      try {
        data = JSON.parse(message.data)
      } catch {
        invalid = new InvalidResponseError(url, `event ${message.id ?? '?'} is not JSON`)
        return
      }
      const event = checkEvent(data)
      if (typeof event === 'string')
        invalid = new InvalidResponseError(url, `event ${message.id ?? '?'}: ${event}`)
      else parsed.push(event)
    },
  })
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  let idleTimer: ReturnType<typeof setTimeout> | undefined
  try {
    while (true) {
      // Only time spent waiting for the server counts as idle, not time the consumer spends on an event.
      idleTimer = setTimeout(() => connection.abort(), idleTimeoutMs)
      const { done, value } = await reader.read()
      clearTimeout(idleTimer)
      if (done) break
      parser.feed(decoder.decode(value, { stream: true }))
      if (invalid) throw invalid
      if (parsed.length === 0) continue
      const batch = parsed
      parsed = []
      yield batch
    }
  } finally {
    clearTimeout(idleTimer)
    reader.cancel().catch(() => {})
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}
