import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { ApiError, createClient, InvalidResponseError } from '../src/index.ts'

const servers: Server[] = []
afterEach(() => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    server.close()
  }
})

/** A loopback server answering every request with `status` and `body`. */
async function answering(status: number, body: unknown): Promise<string> {
  const server = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  })
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('answers', () => {
  it('are checked against the protocol schemas by default', async () => {
    const baseUrl = await answering(200, { status: 42 })
    const error = await createClient({ baseUrl })
      .health()
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(InvalidResponseError)
    expect((error as Error).message).toMatch(/^unexpected response from .*\/api\/health: status: /)
  })

  it('are taken as they come with validation off (the web app, served by the same server build)', async () => {
    const odd = { status: 42, extra: true }
    const baseUrl = await answering(200, odd)
    expect(await createClient({ baseUrl, validate: false }).health()).toEqual(odd)
  })

  it("read the server's error body with validation on or off, and fall back to the status without one", async () => {
    const baseUrl = await answering(409, { error: { code: 'conflict', message: 'the session is stopped' } })
    for (const validate of [true, false]) {
      const error = await createClient({ baseUrl, validate })
        .sessions.get('s1')
        .catch((caught: unknown) => caught)
      expect(error).toEqual(new ApiError(409, 'conflict', 'the session is stopped'))
    }
    const proxy = await answering(502, { oops: 1 })
    const error = await createClient({ baseUrl: proxy })
      .sessions.get('s1')
      .catch((caught: unknown) => caught)
    expect(error).toMatchObject({ status: 502, code: 'unavailable' })
  })
})
