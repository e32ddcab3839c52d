import { fromTimelineDocument, type TimelineState } from '@agent-ops/protocol/timeline'
import { sessionTimelinePath } from './page-requests.ts'

/** A session's timeline being read (`GET /api/sessions/:id/timeline`: the server folds its stored log). */
export interface TimelineRead {
  sessionId: string
  /** The timeline; rejects when it could not be read (the event stream then replays the log). */
  result: Promise<TimelineState>
  /** The timeline once it has arrived: a first render can start from it without waiting. */
  state?: TimelineState
  cancel(): void
}

async function fetchTimeline(sessionId: string, signal: AbortSignal): Promise<TimelineState> {
  const response = await fetch(sessionTimelinePath(sessionId), {
    headers: { accept: 'application/json' },
    credentials: 'same-origin',
    signal,
  })
  if (!response.ok) throw new Error(`the session timeline answered HTTP ${response.status}`)
  return fromTimelineDocument(await response.json())
}

/**
 * Reads a session's timeline, folded by the server: the page receives what it renders, about half the size of the
 * log, and spends no time of its own folding 10,000 events while it starts the app. Part of the entry: nothing
 * of the app, and of the protocol only the fold's conversions.
 */
export function readTimeline(sessionId: string): TimelineRead {
  const controller = new AbortController()
  const result = fetchTimeline(sessionId, controller.signal)
  const read: TimelineRead = { sessionId, result, cancel: () => controller.abort() }
  // Whoever takes the read sees a failure; untaken, it is dropped quietly.
  result.then(
    (state) => {
      read.state = state
    },
    () => {},
  )
  return read
}

/** Long enough for the app to boot on a slow machine; an untaken read is cancelled after it. */
const untakenTimeoutMs = 15_000
let early: TimelineRead | undefined

/** Starts reading the timeline of the session the page opens on, before the app has loaded (main.tsx). */
export function readEarly(sessionId: string): void {
  const read = readTimeline(sessionId)
  early = read
  setTimeout(() => {
    if (early !== read) return
    early = undefined
    read.cancel()
  }, untakenTimeoutMs)
}

/** The timeline read at boot for `sessionId`, if it has arrived: the session page's first render starts from it. */
export function earlyTimeline(sessionId: string): TimelineState | undefined {
  return early?.sessionId === sessionId ? early.state : undefined
}

/** The read started at boot for `sessionId`, handed over once; otherwise a new one. */
export function takeTimelineRead(sessionId: string): TimelineRead {
  const taken = early?.sessionId === sessionId ? early : undefined
  if (!taken) return readTimeline(sessionId)
  early = undefined
  return taken
}
