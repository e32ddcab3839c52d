import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { followEvents } from '../src/event-stream.ts'
import { silentLogger } from '../src/log.ts'
import { createOpencodeApi } from '../src/opencode-client.ts'

// A loopback server speaking OpenCode's /event wire format (SSE, `data:` JSON lines): each connection
// opens with server.connected; the first connection ends after one event, the second stays open.
let close: (() => Promise<void>) | undefined
afterEach(async () => {
  await close?.()
  close = undefined
})

async function startEventServer() {
  const connections: ServerResponse[] = []
  const authorizations: Array<string | undefined> = []
  const server = createServer((req, res) => {
    if (!req.url?.startsWith('/event')) return void res.writeHead(404).end()
    authorizations.push(req.headers.authorization)
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    const send = (type: string, properties: object) =>
      res.write(`data: ${JSON.stringify({ id: `evt_${type}`, type, properties })}\n\n`)
    connections.push(res)
    send('server.connected', {})
    send('session.idle', { sessionID: `ses_${connections.length}` })
    if (connections.length === 1) res.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  close = async () => {
    for (const res of connections) res.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, authorizations }
}

describe('followEvents', () => {
  it('reconnects when the stream ends, catching up before each connection’s events', async () => {
    const { url, authorizations } = await startEventServer()
    const api = createOpencodeApi({ url, authorization: 'Basic abc', directory: '/workspace' })
    const seen: string[] = []
    const stop = new AbortController()
    const following = followEvents({
      api,
      signal: stop.signal,
      log: silentLogger,
      retryDelayMs: 20,
      onConnected: async () => {
        seen.push('catch-up started')
        await sleep(50) // the stream is not read meanwhile
        seen.push('catch-up done')
      },
      onEvent: (event) => {
        seen.push(`${event.type} ${'sessionID' in event.properties ? event.properties.sessionID : ''}`)
      },
    })
    const deadline = Date.now() + 5_000
    while (seen.length < 6 && Date.now() < deadline) await sleep(10)
    stop.abort()
    await following
    expect(seen).toEqual([
      'catch-up started',
      'catch-up done',
      'session.idle ses_1',
      'catch-up started',
      'catch-up done',
      'session.idle ses_2',
    ])
    expect(authorizations).toEqual(['Basic abc', 'Basic abc'])
  })
})
