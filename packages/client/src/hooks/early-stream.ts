import type { SessionEvent } from '@agent-ops/protocol'
import { makeClient } from '../api.ts'

/**
 * A session page's event stream, started when the bundle loads rather than when the page's component mounts.
 * Between the two the app evaluates its code, renders once and asks who is signed in: time in which a long
 * session's backlog can already be on its way. The browser's session cookie authenticates the request, so no
 * app state is needed to start it. useSessionTimeline takes it over, once; one nobody takes is dropped.
 */
type Early = {
  sessionId: string
  batches: AsyncGenerator<SessionEvent[], void, undefined>
  first: Promise<IteratorResult<SessionEvent[], void>>
  controller: AbortController
}

/** Long enough for the app to boot and sign in on a slow machine; an untaken stream is closed after it. */
const untakenTimeoutMs = 15_000
let early: Early | undefined

function startEarly(sessionId: string): void {
  const controller = new AbortController()
  const batches = makeClient().sessions.eventBatches(sessionId, { signal: controller.signal })
  const first = batches.next()
  // Whoever takes the stream sees a failure (a 401 on the sign-in page, say); untaken, it is dropped.
  first.catch(() => {})
  early = { sessionId, batches, first, controller }
  setTimeout(() => {
    if (early?.controller !== controller) return
    early = undefined
    controller.abort()
  }, untakenTimeoutMs)
}

/** The stream started early for `sessionId`, if any, handed over once; aborting `signal` closes it. */
export function takeEarlyStream(
  sessionId: string,
  signal: AbortSignal,
): AsyncIterable<SessionEvent[]> | undefined {
  const taken = early
  if (!taken || taken.sessionId !== sessionId) return undefined
  early = undefined
  signal.addEventListener('abort', () => taken.controller.abort(), { once: true })
  return {
    async *[Symbol.asyncIterator]() {
      const first = await taken.first
      if (first.done) return
      yield first.value
      yield* taken.batches
    },
  }
}

const signedInHint = 'agent-ops.signed-in'

/**
 * Whether the last page load ended signed in. The session cookie is HttpOnly, so the page cannot see it; this
 * hint keeps a signed-out visitor from sending a stream request that can only be refused.
 */
export function markSignedIn(signedIn: boolean): void {
  try {
    if (signedIn) localStorage.setItem(signedInHint, '1')
    else localStorage.removeItem(signedInHint)
  } catch {
    // Storage disabled: the early stream is only an optimisation.
  }
}

function hintedSignedIn(): boolean {
  try {
    return localStorage.getItem(signedInHint) === '1'
  } catch {
    return false
  }
}

const sessionPage = /^\/sessions\/([^/]+)\/?$/.exec(window.location.pathname)
if (sessionPage?.[1] && hintedSignedIn()) startEarly(decodeURIComponent(sessionPage[1]))
