// The benchmark's session viewer, in a thread of its own (viewer.ts starts it). It follows session event streams
// through the SDK, as a browser would, and stamps each event with the time it arrived here.
import { parentPort, workerData } from 'node:worker_threads'
import { createClient } from '@agent-ops/sdk'
import { now, type ViewerRequest, type ViewerSeen } from './viewer.ts'

const { baseUrl, token } = workerData as { baseUrl: string; token: string }
const client = createClient({ baseUrl, token })
const port = parentPort!
const follows = new Map<number, AbortController>()

async function follow(id: number, sessionId: string, after: number) {
  const abort = new AbortController()
  follows.set(id, abort)
  try {
    for await (const batch of client.sessions.eventBatches(sessionId, { after, signal: abort.signal })) {
      // One stamp per network read: the events of a batch arrived together.
      const at = now()
      for (const event of batch) {
        const status = event.type === 'session.status' ? event.data.status : undefined
        port.postMessage({ id, at, seq: event.seq, type: event.type, status } satisfies ViewerSeen)
      }
    }
  } catch {
    // Stopped.
  } finally {
    follows.delete(id)
  }
}

port.on('message', (request: ViewerRequest) => {
  if (request.type === 'follow') void follow(request.id, request.sessionId, request.after)
  else follows.get(request.id)?.abort()
})

// Node loads fetch on its first use, ~50 ms: done before anything is timed, as a browser has its own loaded.
const health = await fetch(new URL('/api/health', baseUrl))
await health.arrayBuffer()
port.postMessage('ready')
