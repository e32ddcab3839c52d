// What the two provider modules share: the server context they read, the untyped-JSON helpers they parse
// request bodies with, and the paced SSE writer that stops the moment the client goes away.
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Context } from 'hono'
import { streamSSE } from 'hono/streaming'
import type { Reply, Script } from './script.ts'

export type ModelContext = {
  modelId: string
  apiKey: string | undefined
  script(): Script
  /** Counts responses that are still streaming, so tests can see an abort really stopped one. */
  streams: { active: number }
}

/** Hono environment of the model server: the parsed request body is read once, by the recorder. */
export type ModelEnv = { Variables: { body: unknown } }

export type JsonObject = Record<string, unknown>

export function asObject(value: unknown): JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : {}
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : []
}

/** Text of a message content: a string, or the `text` of its {type:'text'} parts joined with "\n". */
export function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') return content
  const texts = asArray(content)
    .map(asObject)
    .filter((part) => part.type === 'text' && typeof part.text === 'string')
    .map((part) => part.text as string)
  return texts.length > 0 ? texts.join('\n') : undefined
}

export function newId(prefix: string): string {
  return prefix + randomUUID().replaceAll('-', '').slice(0, 24)
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}

/** One server-sent event. `paced` frames carry content and are spaced by the step's chunkDelayMs. */
export type SseFrame = { event?: string; data: string; paced?: boolean }

/** Streams `frames` as SSE, honouring the reply's delays; stops at once when the client disconnects. */
export function streamFrames(c: Context, ctx: ModelContext, reply: Reply, frames: Iterable<SseFrame>) {
  return streamSSE(c, async (stream) => {
    const aborted = new AbortController()
    stream.onAbort(() => aborted.abort())
    c.req.raw.signal.addEventListener('abort', () => aborted.abort(), { once: true })
    ctx.streams.active++
    try {
      if (reply.delayMs > 0) await sleep(reply.delayMs, undefined, { signal: aborted.signal })
      let pacedBefore = false
      for (const frame of frames) {
        if (frame.paced && pacedBefore && reply.chunkDelayMs > 0) {
          await sleep(reply.chunkDelayMs, undefined, { signal: aborted.signal })
        }
        pacedBefore ||= frame.paced === true
        if (aborted.signal.aborted) return
        await stream.writeSSE(frame.event === undefined ? { data: frame.data } : frame)
      }
    } catch (error) {
      // A client that goes away mid-stream is normal (an abort); anything else is a bug worth seeing.
      if (!aborted.signal.aborted) throw error
    } finally {
      ctx.streams.active--
    }
  })
}

/** Waits out the reply's initial delay for a non-streaming answer; resolves false if the client left. */
export async function waitBeforeAnswer(c: Context, reply: Reply): Promise<boolean> {
  if (reply.delayMs <= 0) return true
  try {
    await sleep(reply.delayMs, undefined, { signal: c.req.raw.signal })
    return true
  } catch {
    return false
  }
}
