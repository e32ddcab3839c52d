/**
 * Requests a page is sure to make, sent by the entry script before the app's code has loaded (main.tsx): the
 * server answers while the browser evaluates the app, instead of after. Each answer is handed over once, to the
 * first plain GET of the same path that wants the same type (`prefetchingFetch`, the SDK's fetch); one nobody
 * takes is dropped. Part of the entry: it imports nothing.
 */
type Prefetched = { accept: string; controller: AbortController; response: Promise<Response> }

/** Long enough for the app to boot on a slow machine; an untaken answer is dropped (its body closed) after it. */
export const untakenTimeoutMs = 15_000
const prefetched = new Map<string, Prefetched>()

/** Sends `GET path` now (same origin, with the browser's cookie), for the app to take later. */
export function prefetch(path: string, accept = 'application/json'): void {
  if (prefetched.has(path)) return
  const controller = new AbortController()
  const response = fetch(path, { headers: { accept }, credentials: 'same-origin', signal: controller.signal })
  // Whoever takes the answer sees a failure; untaken, it is dropped quietly.
  response.catch(() => {})
  const entry: Prefetched = { accept, controller, response }
  prefetched.set(path, entry)
  setTimeout(() => {
    if (prefetched.get(path) !== entry) return
    prefetched.delete(path)
    controller.abort()
  }, untakenTimeoutMs)
}

/** The answer `prefetch` asked for, handed over once; aborting `signal` then aborts it. */
export function takePrefetched(
  path: string,
  accept = 'application/json',
  signal?: AbortSignal | null,
): Promise<Response> | undefined {
  const entry = prefetched.get(path)
  if (!entry || entry.accept !== accept) return undefined
  prefetched.delete(path)
  if (signal?.aborted) entry.controller.abort()
  else signal?.addEventListener('abort', () => entry.controller.abort(), { once: true })
  return entry.response
}

/**
 * `fetch` for the SDK: a plain GET of a prefetched path gets the prefetched answer; anything else goes to the
 * network. Resuming streams (Last-Event-ID) and requests with a body are never answered from here.
 */
export const prefetchingFetch: typeof fetch = (input, init) => {
  const method = init?.method ?? 'GET'
  if (typeof input === 'string' && method === 'GET' && init?.body == null) {
    const headers = new Headers(init?.headers)
    if (!headers.has('last-event-id')) {
      const taken = takePrefetched(input, headers.get('accept') ?? '*/*', init?.signal)
      if (taken) return taken
    }
  }
  return fetch(input, init)
}
