import { SessionEvent } from '@agent-ops/protocol'
import { createParser } from 'eventsource-parser'
import { ApiError, ConnectionError, InvalidResponseError } from './errors.ts'
import { summarizeIssues, type Transport } from './http.ts'

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
        for await (const event of readEvents(response, transport.url(path), connection, idleTimeoutMs)) {
          // The server resumes exactly after Last-Event-ID; this guard keeps the promise if it ever does not.
          if (event.seq <= lastSeq) continue
          lastSeq = event.seq
          yield event
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

/** Parses one SSE response body into validated events; ends when the body ends. */
async function* readEvents(
  response: Response,
  url: string,
  connection: AbortController,
  idleTimeoutMs: number,
): AsyncGenerator<SessionEvent, void, undefined> {
  if (!response.body) throw new InvalidResponseError(url, 'the event stream has no body')
  const parsed: SessionEvent[] = []
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
      const result = SessionEvent.safeParse(data)
      if (result.success) parsed.push(result.data)
      else
        invalid = new InvalidResponseError(
          url,
          `event ${message.id ?? '?'}: ${summarizeIssues(result.error)}`,
        )
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
      while (parsed.length > 0) yield parsed.shift()!
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
