import type { TimelineState } from '../timeline/reducer.ts'
// Inlined into the entry (a few kB): the worker starts at once instead of after its own round trip, queued
// behind the app's code on the browser's six connections.
import LogWorker from './log-worker.ts?worker&inline'
import { sessionLogPath } from './page-requests.ts'

/** `url` is absolute: an inlined worker's own address is a blob: URL, which a path cannot be resolved against. */
export type FoldRequest = { url: string }
export type FoldReply = { state: TimelineState } | { error: string }

/** A session's stored log being folded into its timeline in a worker. */
export interface LogFold {
  sessionId: string
  /** The folded timeline; rejects when the log could not be read (the event stream then replays it). */
  result: Promise<TimelineState>
  /** The folded timeline once the worker has answered: a first render can start from it without waiting. */
  state?: TimelineState
  cancel(): void
}

/**
 * Folds a session's log in a worker. Reading, parsing and folding a long log (10,000 events, 2 MB) took the main
 * thread longer than anything else in opening the session; in a worker it runs beside the app's own start-up,
 * and the main thread only receives the finished timeline. Part of the entry: no app code, the worker inlined.
 */
export function foldLog(sessionId: string): LogFold {
  let worker: Worker | undefined
  const fold: LogFold = {
    sessionId,
    result: new Promise<TimelineState>((resolve, reject) => {
      worker = new LogWorker()
      worker.onmessage = ({ data }: MessageEvent<FoldReply>) => {
        worker?.terminate()
        if ('state' in data) {
          fold.state = data.state
          resolve(data.state)
        } else reject(new Error(data.error))
      }
      worker.onerror = (event) => {
        worker?.terminate()
        reject(new Error(event.message || 'the session log worker failed'))
      }
      const request: FoldRequest = { url: new URL(sessionLogPath(sessionId), window.location.origin).href }
      worker.postMessage(request)
    }),
    cancel: () => worker?.terminate(),
  }
  // Whoever takes the fold sees a failure; untaken, it is dropped quietly.
  fold.result.catch(() => {})
  return fold
}

/** Long enough for the app to boot on a slow machine; an untaken fold is cancelled after it. */
const untakenTimeoutMs = 15_000
let early: LogFold | undefined

/** Starts folding the log of the session the page opens on, before the app has loaded (main.tsx). */
export function foldEarly(sessionId: string): void {
  const fold = foldLog(sessionId)
  early = fold
  setTimeout(() => {
    if (early !== fold) return
    early = undefined
    fold.cancel()
  }, untakenTimeoutMs)
}

/** The timeline folded at boot for `sessionId`, if it is ready: the session page's first render starts from it. */
export function earlyTimeline(sessionId: string): TimelineState | undefined {
  return early?.sessionId === sessionId ? early.state : undefined
}

/** The fold started at boot for `sessionId`, handed over once; otherwise a new one. */
export function takeLogFold(sessionId: string): LogFold {
  const taken = early?.sessionId === sessionId ? early : undefined
  if (!taken) return foldLog(sessionId)
  early = undefined
  return taken
}
