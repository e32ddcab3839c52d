import type { AgentEvent } from '@agent-ops/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { ControlLink, type ControlLinkOptions, type PromptMessage } from '../src/control-link.ts'
import { createLogger } from '../src/log.ts'
import { startControlServer, type TestControlServer } from './helpers/control-server.ts'

const session = { model: 'testkit/scripted-model', permissionPolicy: 'allow' as const }
const status = (s: 'busy' | 'idle'): AgentEvent => ({ type: 'agent.status', data: { status: s } })
const delta = (text: string): AgentEvent => ({
  type: 'text.delta',
  data: { messageId: 'm', partId: 'p', delta: text },
})

const until = async (condition: () => boolean, timeoutMs = 5_000) => {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

let server: TestControlServer | undefined
let link: ControlLink | undefined
let logs: string[] = []

afterEach(async () => {
  await link?.close()
  await server?.close()
  link = undefined
  server = undefined
  logs = []
})

function startLink(url: string, token: string, overrides: Partial<ControlLinkOptions> = {}) {
  const received: { prompts: PromptMessage[]; aborts: number; welcomes: number; orphaned: number } = {
    prompts: [],
    aborts: 0,
    welcomes: 0,
    orphaned: 0,
  }
  link = new ControlLink({
    url,
    token,
    runnerId: 'runner-test-1',
    agentVersion: () => '1.2.3',
    orphanTimeoutMs: 60_000,
    log: createLogger({ write: (line) => logs.push(line) }),
    onWelcome: () => received.welcomes++,
    onPrompt: (prompt) => received.prompts.push(prompt),
    onAbort: () => received.aborts++,
    onOrphaned: () => received.orphaned++,
    ...overrides,
  })
  link.start()
  return received
}

describe('ControlLink', () => {
  it('says hello with the bearer token and delivers events in order, acknowledged', async () => {
    server = await startControlServer(session)
    const received = startLink(server.url, server.token)
    link?.send(status('busy')) // before the welcome: held back, then sent
    await until(() => received.welcomes === 1)
    link?.send(delta('a'))
    link?.send(status('idle'))
    await until(() => server?.stored.length === 3)
    expect(server.hellos).toEqual([
      { type: 'hello', runnerId: 'runner-test-1', pid: process.pid, agentVersion: '1.2.3' },
    ])
    expect(server.stored.map((s) => [s.seq, s.event])).toEqual([
      [1, status('busy')],
      [2, delta('a')],
      [3, status('idle')],
    ])
    expect(await link?.drain(2_000)).toBe(true)
    expect(link?.unacknowledged).toBe(0)
  })

  it('after a drop, reconnects and resends what was not acknowledged, each stored once', async () => {
    server = await startControlServer(session)
    const received = startLink(server.url, server.token)
    await until(() => received.welcomes === 1)
    server.holdAcks(true)
    for (let i = 0; i < 30; i++) link?.send(delta(`stored ${i}`))
    await until(() => server?.stored.length === 30)
    // The next frames die with the connection: the server never stores them.
    server.loseIncoming(true)
    for (let i = 0; i < 20; i++) link?.send(delta(`lost ${i}`))
    await until(() => server?.framesReceived === 50)
    server.dropConnections()
    server.loseIncoming(false)
    link?.send(status('idle')) // sent while the link is down: buffered
    server.holdAcks(false)
    await until(() => received.welcomes === 2)
    await until(() => server?.stored.length === 51)
    expect(server.gaps).toEqual([])
    expect(server.duplicates).toBe(0)
    expect(server.stored.map((s) => s.seq)).toEqual(Array.from({ length: 51 }, (_, i) => i + 1))
    expect(server.stored[30]?.event).toEqual(delta('lost 0'))
    expect(server.stored.at(-1)?.event).toEqual(status('idle'))
    expect(await link?.drain(2_000)).toBe(true)
  })

  it('passes prompts and aborts on, and ignores messages it does not know', async () => {
    server = await startControlServer(session)
    const received = startLink(server.url, server.token)
    await until(() => received.welcomes === 1)
    server.sendRaw({ type: 'telepathy', payload: 1 })
    server.sendRaw({ type: 'prompt' }) // no text: invalid
    const messageId = server.prompt('hello there', 'testkit/other-model')
    server.abort()
    await until(() => received.aborts === 1)
    expect(received.prompts).toEqual([
      { type: 'prompt', messageId, text: 'hello there', model: 'testkit/other-model' },
    ])
    expect(logs.filter((line) => line.includes('ignoring an unknown server message'))).toHaveLength(2)
  })

  it('never logs the token, even when refused', async () => {
    server = await startControlServer(session)
    const received = startLink(server.url, 'wrong-token-123456', { orphanTimeoutMs: 400 })
    await until(() => received.orphaned === 1)
    expect(server.refused).toBeGreaterThanOrEqual(2)
    expect(server.hellos).toEqual([])
    expect(logs.join('')).not.toContain('wrong-token-123456')
  })

  it('gives up after the orphan timeout when the server stays unreachable', async () => {
    const started = Date.now()
    const received = startLink('ws://127.0.0.1:9/internal/runner', 'token-abcdef', { orphanTimeoutMs: 300 })
    await until(() => received.orphaned === 1)
    expect(Date.now() - started).toBeGreaterThanOrEqual(290)
  })

  it('reaches a server on a Unix socket (ws+unix)', async () => {
    const { createServer } = await import('node:http')
    const { mkdtemp, rm } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const { WebSocketServer } = await import('ws')
    const dir = await mkdtemp(join(tmpdir(), 'runner-link-'))
    const socketPath = join(dir, 'control.sock')
    const http = createServer()
    const wss = new WebSocketServer({ server: http, path: '/internal/runner' })
    const hellos: unknown[] = []
    wss.on('connection', (ws) =>
      ws.on('message', (data) => {
        hellos.push(JSON.parse(data.toString()))
        ws.send(JSON.stringify({ type: 'welcome', lastSeq: 0, session }))
      }),
    )
    await new Promise<void>((resolve) => http.listen(socketPath, resolve))
    try {
      const received = startLink(`ws+unix://${socketPath}:/internal/runner`, 'token-abcdef')
      await until(() => received.welcomes === 1)
      expect(hellos).toHaveLength(1)
    } finally {
      await link?.close()
      for (const ws of wss.clients) ws.terminate()
      await new Promise<void>((resolve) => http.close(() => resolve()))
      await rm(dir, { recursive: true, force: true })
    }
  })
})
