import { Worker } from 'node:worker_threads'

/**
 * The benchmark's viewer: session event streams followed from a worker thread, as a browser follows them from
 * another process. Followed from this thread, the one the server runs in, an event the server had written was
 * read only once the server's work in progress let this event loop turn: better-sqlite3 is synchronous, and the
 * dispatch that follows a status change (a queued prompt sent, the runner's first events stored) held a `ready`
 * back by up to 60 ms before the viewer saw it. Each event is stamped where it is read, so what this thread does
 * with it later does not count either.
 */

/** Milliseconds on the monotonic clock, the same in every thread of the process. */
export const now = () => Number(process.hrtime.bigint()) / 1e6

export type ViewerRequest =
  | { type: 'follow'; id: number; sessionId: string; after: number }
  | { type: 'stop'; id: number }

/** One event as the viewer saw it: `at` is when it arrived (now()). */
export type ViewerSeen = { id: number; at: number; seq: number; type: string; status: string | undefined }

export type SeenEvent = Omit<ViewerSeen, 'id'>

/** Resolves once the viewer's thread is up and has loaded fetch; rejects if it fails. */
export async function startViewer(baseUrl: string, token: string) {
  const worker = new Worker(new URL('./viewer-worker.ts', import.meta.url), {
    workerData: { baseUrl, token },
  })
  const handlers = new Map<number, (event: SeenEvent) => void>()
  let nextId = 1
  let started = false
  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (message: ViewerSeen | 'ready') => {
      if (message === 'ready') {
        started = true
        return resolve()
      }
      const { id, ...event } = message
      handlers.get(id)?.(event)
    })
    worker.on('error', (error) => {
      // Later, a failed viewer would leave every measurement waiting: it ends the run instead.
      if (started) throw error
      reject(error)
    })
  })
  const send = (request: ViewerRequest) => worker.postMessage(request)

  /** Follows a session's events after `after`, calling `onEvent` for each until the returned stop(). */
  function follow(sessionId: string, onEvent: (event: SeenEvent) => void, after = 0): () => void {
    const id = nextId++
    handlers.set(id, onEvent)
    send({ type: 'follow', id, sessionId, after })
    return () => {
      handlers.delete(id)
      send({ type: 'stop', id })
    }
  }

  await ready
  return { follow, close: () => worker.terminate() }
}
