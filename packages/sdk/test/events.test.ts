import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { SessionEvent } from '@agent-ops/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { ApiError, ConnectionError, createClient, InvalidResponseError } from '../src/index.ts'

/**
 * A loopback stand-in for the server's SSE endpoint, to exercise what the real server cannot be made to do
 * on demand: drop a connection in the middle of the log. It speaks the same wire format.
 */
function makeLog(count: number): SessionEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    seq: i + 1,
    at: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(),
    type: 'text.delta' as const,
    data: { messageId: 'm1', partId: 'p1', delta: `chunk ${i + 1} ` },
  }))
}

type Handler = (req: IncomingMessage, res: ServerResponse, connection: number) => void

const servers: Server[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    server.close()
  }
})

async function listen(handler: Handler): Promise<{ baseUrl: string; requests: IncomingMessage[] }> {
  const requests: IncomingMessage[] = []
  const server = createServer((req, res) => {
    requests.push(req)
    handler(req, res, requests.length)
  })
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return { baseUrl: `http://127.0.0.1:${port}`, requests }
}

function writeEvent(res: ServerResponse, event: SessionEvent) {
  res.write(`id: ${event.seq}\ndata: ${JSON.stringify(event)}\n\n`)
}

function startStream(res: ServerResponse) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' })
  res.write(': ping\n\n')
}

async function collect(iterable: AsyncIterable<SessionEvent>, count: number): Promise<SessionEvent[]> {
  const events: SessionEvent[] = []
  for await (const event of iterable) {
    events.push(event)
    if (events.length === count) break
  }
  return events
}

describe('sessions.events', () => {
  it('resumes after a dropped connection with Last-Event-ID, without gaps or duplicates', async () => {
    const log = makeLog(10)
    const { baseUrl, requests } = await listen((req, res, connection) => {
      const after = Number(req.headers['last-event-id'] ?? 0)
      startStream(res)
      // The first connection dies after 4 events; the second resends one already seen, to test the guard.
      const from = connection === 1 ? 0 : Math.max(0, after - 1)
      const to = connection === 1 ? 4 : log.length
      for (const event of log.slice(from, to)) writeEvent(res, event)
      // Cut the connection once what was written has reached the socket, without ending the response.
      if (connection === 1) res.write('', () => res.socket?.destroy())
    })
    const client = createClient({ baseUrl, token: 't0ken' })
    const events = await collect(client.sessions.events('s1'), 10)
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(requests).toHaveLength(2)
    expect(requests[0]?.headers.authorization).toBe('Bearer t0ken')
    expect(requests[0]?.headers['last-event-id']).toBeUndefined()
    expect(requests[1]?.headers['last-event-id']).toBe('4')
  })

  it('starts after `after` and handles events split across chunks', async () => {
    const log = makeLog(5)
    const { baseUrl, requests } = await listen((req, res) => {
      const after = Number(req.headers['last-event-id'] ?? 0)
      startStream(res)
      const text = log
        .slice(after)
        .map((e) => `id: ${e.seq}\ndata: ${JSON.stringify(e)}\n\n`)
        .join('')
      // Byte-sized pieces: the parser must reassemble lines and events.
      for (let i = 0; i < text.length; i += 7) res.write(text.slice(i, i + 7))
    })
    const client = createClient({ baseUrl, token: 't' })
    const events = await collect(client.sessions.events('s1', { after: 3 }), 2)
    expect(events.map((e) => e.seq)).toEqual([4, 5])
    expect(requests[0]?.headers['last-event-id']).toBe('3')
  })

  it('ends quietly when the signal aborts', async () => {
    const { baseUrl } = await listen((_req, res) => {
      startStream(res)
      writeEvent(res, makeLog(1)[0]!)
    })
    const controller = new AbortController()
    const client = createClient({ baseUrl, token: 't' })
    const seen: number[] = []
    for await (const event of client.sessions.events('s1', { signal: controller.signal })) {
      seen.push(event.seq)
      controller.abort()
    }
    expect(seen).toEqual([1])
  })

  it('throws ApiError with the server message on 4xx, without retrying', async () => {
    const { baseUrl, requests } = await listen((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: { code: 'not_found', message: 'session s9 not found' } }))
    })
    const client = createClient({ baseUrl, token: 't' })
    const error = await collect(client.sessions.events('s9'), 1).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({ status: 404, code: 'not_found', message: 'session s9 not found' })
    expect(requests).toHaveLength(1)
  })

  it('retries 5xx answers with backoff', async () => {
    const log = makeLog(1)
    const { baseUrl, requests } = await listen((_req, res, connection) => {
      if (connection < 3) {
        res.writeHead(503, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: { code: 'unavailable', message: 'starting' } }))
        return
      }
      startStream(res)
      writeEvent(res, log[0]!)
    })
    const startedAt = Date.now()
    const events = await collect(createClient({ baseUrl, token: 't' }).sessions.events('s1'), 1)
    expect(events.map((e) => e.seq)).toEqual([1])
    expect(requests).toHaveLength(3)
    // 250 ms then 500 ms.
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(700)
  })

  it('rejects events that do not match the protocol', async () => {
    const { baseUrl } = await listen((_req, res) => {
      startStream(res)
      res.write(`id: 1\ndata: ${JSON.stringify({ seq: 1, type: 'no.such.event', data: {} })}\n\n`)
    })
    const error = await collect(createClient({ baseUrl, token: 't' }).sessions.events('s1'), 1).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(InvalidResponseError)
  })

  it('reopens a connection that went silent', async () => {
    const log = makeLog(2)
    const { baseUrl, requests } = await listen((req, res, connection) => {
      startStream(res)
      if (connection === 1) return writeEvent(res, log[0]!) // then silence, no heartbeat
      const after = Number(req.headers['last-event-id'] ?? 0)
      for (const event of log.slice(after)) writeEvent(res, event)
    })
    const client = createClient({ baseUrl, token: 't' })
    const events = await collect(client.sessions.events('s1', { idleTimeoutMs: 200 }), 2)
    expect(events.map((e) => e.seq)).toEqual([1, 2])
    expect(requests[1]?.headers['last-event-id']).toBe('1')
  })

  it('without reconnect, a dropped connection ends the iteration', async () => {
    const { baseUrl, requests } = await listen((_req, res) => {
      startStream(res)
      writeEvent(res, makeLog(1)[0]!)
      res.end()
    })
    const events = await collect(
      createClient({ baseUrl, token: 't' }).sessions.events('s1', { reconnect: false }),
      5,
    )
    expect(events).toHaveLength(1)
    expect(requests).toHaveLength(1)
  })
})

describe('sessions.eventBatches', () => {
  it('yields a backlog written at once as one batch, then live events, each once and in order', async () => {
    const log = makeLog(5)
    const { baseUrl } = await listen((req, res, connection) => {
      startStream(res)
      if (connection === 1) {
        // The backlog in one (small) write, as the server sends a page; then the connection ends.
        res.write(
          log
            .slice(0, 3)
            .map((e) => `id: ${e.seq}\ndata: ${JSON.stringify(e)}\n\n`)
            .join(''),
        )
        res.end()
        return
      }
      const after = Number(req.headers['last-event-id'] ?? 0)
      for (const event of log.slice(after)) writeEvent(res, event)
    })
    const batches: number[][] = []
    for await (const batch of createClient({ baseUrl, token: 't' }).sessions.eventBatches('s1')) {
      batches.push(batch.map((e) => e.seq))
      if (batches.flat().length === 5) break
    }
    expect(batches[0]).toEqual([1, 2, 3])
    expect(batches.flat()).toEqual([1, 2, 3, 4, 5])
  })

  it('checks each event envelope: a bad sequence number is refused', async () => {
    const { baseUrl } = await listen((_req, res) => {
      startStream(res)
      const event = { ...makeLog(1)[0]!, seq: 'one' }
      res.write(`id: 1\ndata: ${JSON.stringify(event)}\n\n`)
    })
    const error = await collect(createClient({ baseUrl, token: 't' }).sessions.events('s1'), 1).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(InvalidResponseError)
    expect((error as Error).message).toMatch(/seq/)
  })
})

describe('requests', () => {
  it('validates answers and sends JSON bodies', async () => {
    const bodies: string[] = []
    const { baseUrl, requests } = await listen((req, res) => {
      let body = ''
      req.on('data', (chunk) => {
        body += chunk
      })
      req.on('end', () => {
        bodies.push(body)
        res.writeHead(202, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ messageId: 'msg_1', queued: true }))
      })
    })
    const result = await createClient({ baseUrl, token: 't' }).sessions.send('s/1', {
      text: 'hi',
      mode: 'steer',
    })
    expect(result).toEqual({ messageId: 'msg_1', queued: true })
    expect(requests[0]?.method).toBe('POST')
    expect(requests[0]?.url).toBe('/api/sessions/s%2F1/messages')
    expect(JSON.parse(bodies[0]!)).toEqual({ text: 'hi', mode: 'steer' })
  })

  it('throws InvalidResponseError for a 2xx body the schema rejects', async () => {
    const { baseUrl } = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ status: 'ok' }))
    })
    await expect(createClient({ baseUrl }).health()).rejects.toBeInstanceOf(InvalidResponseError)
  })

  it('maps a non-JSON error page to an ApiError by status', async () => {
    const { baseUrl } = await listen((_req, res) => {
      res.writeHead(502, 'Bad Gateway', { 'content-type': 'text/html' })
      res.end('<h1>Bad Gateway</h1>')
    })
    const error = await createClient({ baseUrl, token: 't' })
      .sessions.list()
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({ status: 502, code: 'unavailable' })
  })

  it('reports an unreachable server as ConnectionError with the URL', async () => {
    const { baseUrl } = await listen(() => {})
    servers.pop()?.close()
    await new Promise((resolve) => setTimeout(resolve, 20))
    const error = await createClient({ baseUrl, token: 't' })
      .sessions.get('abc')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConnectionError)
    expect((error as ConnectionError).url).toBe(`${baseUrl}/api/sessions/abc`)
    expect((error as ConnectionError).message).toContain('ECONNREFUSED')
  })
})
