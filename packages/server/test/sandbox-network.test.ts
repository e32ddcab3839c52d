import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Script } from '@agent-ops/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { collectEvents, createTestServer, idleCount, ofType, type TestServer } from './harness.ts'

/**
 * AGENT_OPS_SANDBOX_NETWORK=allow-list, from inside a real bubblewrap sandbox. This machine has no internet,
 * so the "outside" is two HTTP servers of the host: one on 127.0.0.1 (listed, as an IP literal) and one on
 * 127.0.0.2 (not listed). The host's loopback is exactly what a sandbox must never reach by itself, so reaching
 * the listed one proves the proxy carries allowed traffic out of the sandbox, and the other one being refused
 * while it is up and answering proves the filter, not a lack of route. A listed *name* that resolves to a
 * loopback address (localhost) is refused too.
 */

const script: Script = { exchanges: [{ match: 'hello', steps: [{ text: 'Hello through the allow-list.' }] }] }

function startHostServer(host: string, body: string): Promise<Server> {
  const server = createServer((_req, res) => res.end(body))
  return new Promise((resolve) => server.listen(0, host, () => resolve(server)))
}

const portOf = (server: Server) => (server.address() as AddressInfo).port

let t: TestServer
let session: string
let allowed: Server
let unlisted: Server

async function curl(args: string) {
  const command = `curl -sS --max-time 10 -w ' status=%{http_code}' ${args}`
  return t.server.sandboxExec(session, ['sh', '-c', command], { timeoutMs: 30_000 })
}

beforeAll(async () => {
  allowed = await startHostServer('127.0.0.1', 'reached the listed host')
  unlisted = await startHostServer('127.0.0.2', 'reached an unlisted host')
  t = await createTestServer({
    isolated: true,
    script,
    config: { sandboxNetwork: 'allow-list', sandboxAllowedHosts: ['127.0.0.1', 'localhost'] },
  })
  session = (await t.client.sessions.create({ prompt: 'hello' })).id
  // The agent's own traffic (OpenCode to the LLM proxy through the runner's forwarder) stays direct.
  const events = await collectEvents(t.client, session, (_e, seen) => idleCount(seen) >= 1, {
    timeoutMs: 180_000,
  })
  expect(ofType(events, 'text.done').map((e) => e.data.text)).toContain('Hello through the allow-list.')
}, 240_000)

afterAll(async () => {
  await t?.client.sessions.stop(session).catch(() => {})
  await t?.close()
  allowed?.close()
  unlisted?.close()
})

describe('network allow-list', () => {
  it('reaches a listed host through the proxy the sandbox is given', async () => {
    // 127.0.0.1 is in NO_PROXY (the sandbox's own loopback); drop it so curl asks the proxy.
    const result = await curl(`--proxy "$HTTP_PROXY" --noproxy '' http://127.0.0.1:${portOf(allowed)}/`)
    expect(result.stdout).toBe('reached the listed host status=200')
  })

  it('refuses a host that is not listed, although it is up', async () => {
    const plain = await curl(`http://127.0.0.2:${portOf(unlisted)}/`)
    expect(plain.stdout).toContain('is not in the network allow-list')
    expect(plain.stdout).toContain('status=403')
    const tunnel = await curl(`https://127.0.0.2:${portOf(unlisted)}/`)
    expect(tunnel.exitCode).not.toBe(0)
    expect(tunnel.stderr).toMatch(/403/)
  })

  it('refuses a listed name that resolves to an internal address', async () => {
    const result = await curl(`--noproxy '' http://localhost:${portOf(allowed)}/`)
    expect(result.stdout).toContain('internal address')
    expect(result.stdout).toContain('status=502')
  })

  it('has no way out but the proxy', async () => {
    const direct = await curl(`--noproxy '*' http://127.0.0.1:${portOf(allowed)}/`)
    expect(direct.exitCode, 'the sandbox’s 127.0.0.1 is its own').not.toBe(0)
    const gateway = await curl(`--noproxy '*' http://10.0.2.2:${portOf(allowed)}/`)
    expect(gateway.exitCode, 'no slirp gateway, no route at all').not.toBe(0)
    expect(gateway.stdout).not.toContain('reached')
  })
})
