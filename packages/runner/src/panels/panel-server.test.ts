import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { PanelServices, TerminalServerMessage } from '@agent-ops/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createLogger } from '../log.ts'
import { freePort } from './child-group.ts'
import { type PanelServerHandle, startPanelServer } from './panel-server.ts'

/** The panel server on a real Unix socket, outside any sandbox: terminals, access, port forwarding. */
let dir: string
let socketPath: string
let server: PanelServerHandle

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'panels-'))
  socketPath = join(dir, 'panels.sock')
  const log = createLogger({ minLevel: 'error' })
  server = await startPanelServer({
    socketPath,
    workspace: dir,
    home: dir,
    idleMs: 60_000,
    agentPid: () => undefined,
    log,
  })
})
afterAll(async () => {
  await server.close()
  // A shell that just got its hang-up may still be writing its history there.
  rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
})

function http(path: string, opts: { access?: string; method?: string } = {}) {
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>(
    (resolve, reject) => {
      const headers = opts.access ? { 'x-agent-ops-access': opts.access } : {}
      const req = request({ socketPath, path, method: opts.method ?? 'GET', headers }, (res) => {
        let body = ''
        res.on('data', (chunk) => (body += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }))
      })
      req.on('error', reject)
      req.end()
    },
  )
}

/** A terminal client that collects every frame. */
async function terminal(id: string, access = 'full') {
  const ws = new WebSocket(`ws+unix://${socketPath}:/terminal/ws/${id}?cols=100&rows=30`, {
    headers: { 'x-agent-ops-access': access },
  })
  const frames: TerminalServerMessage[] = []
  ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as TerminalServerMessage))
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  const output = () => frames.map((frame) => (frame.type === 'output' ? frame.data : '')).join('')
  const waitFor = async (pattern: RegExp) => {
    for (let i = 0; i < 200 && !pattern.test(output()); i++) await new Promise((r) => setTimeout(r, 50))
    expect(output()).toMatch(pattern)
  }
  const send = (data: string) => ws.send(JSON.stringify({ type: 'input', data }))
  return { ws, frames, output, waitFor, send }
}

describe('panel server', () => {
  it('runs a shell, replays its scrollback to a second client and streams to both', async () => {
    const first = await terminal('t1')
    expect(first.frames[0]).toEqual({ type: 'output', data: '' })
    first.send('echo $((6*7))\r')
    await first.waitFor(/[\r\n]42\r\n/)
    const second = await terminal('t1')
    // The first frame of a reconnect is the scrollback, with the earlier answer in it.
    expect(second.frames[0]?.type).toBe('output')
    expect((second.frames[0] as { data: string }).data).toMatch(/[\r\n]42\r\n/)
    second.send('echo $((100+23))\r')
    await first.waitFor(/[\r\n]123\r\n/)
    await second.waitFor(/[\r\n]123\r\n/)
    first.ws.send(JSON.stringify({ type: 'resize', cols: 50, rows: 10 }))
    first.send('stty size\r')
    await first.waitFor(/10 50/)
    const closed = new Promise((resolve) => first.ws.once('close', resolve))
    first.send('exit 3\r')
    await closed
    expect(first.frames.at(-1)).toEqual({ type: 'exit', code: 3 })
    expect(second.frames.at(-1)).toEqual({ type: 'exit', code: 3 })
    // The terminal is gone: the same id starts a fresh shell with no scrollback.
    const fresh = await terminal('t1')
    expect(fresh.frames[0]).toEqual({ type: 'output', data: '' })
    fresh.ws.close()
  })

  it('refuses terminals, VS Code, ports and service control to view access (and to no access header)', async () => {
    for (const access of ['view', undefined]) {
      const ws = new WebSocket(`ws+unix://${socketPath}:/terminal/ws/v`, {
        headers: access ? { 'x-agent-ops-access': access } : {},
      })
      const status = await new Promise<number>((resolve) => {
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
        ws.once('open', () => resolve(101))
      })
      expect(status).toBe(403)
      expect((await http('/vscode/', { access })).status).toBe(403)
      expect((await http('/port/80/', { access })).status).toBe(403)
      expect((await http('/_runner/services/vscode/start', { access, method: 'POST' })).status).toBe(403)
    }
    expect((await http('/_runner/services', { access: 'view' })).status).toBe(200)
  })

  it('describes the services with their memory', async () => {
    const held = await terminal('mem')
    held.send('echo ready\r')
    await held.waitFor(/[\r\n]ready\r\n/)
    const answer = await http('/_runner/services', { access: 'view' })
    const body = JSON.parse(answer.body) as PanelServices
    expect(body.services.map((service) => [service.name, service.state])).toEqual([
      ['terminal', 'running'],
      ['vscode', 'stopped'],
      ['browser', 'stopped'],
    ])
    expect(body.services[0]?.rssBytes).toBeGreaterThan(0)
    expect(body.services[1]?.rssBytes).toBe(0)
    expect(body.runnerRssBytes).toBeGreaterThan(0)
    held.ws.close()
  })

  it('forwards a port with its prefix stripped, and says when nothing listens there', async () => {
    const app = createServer((req, res) => res.end(`${req.method} ${req.url}`))
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve))
    const port = (app.address() as { port: number }).port
    try {
      expect(await http(`/port/${port}/a/b?c=1`, { access: 'full' })).toMatchObject({
        status: 200,
        body: 'GET /a/b?c=1',
      })
      const bare = await http(`/port/${port}`, { access: 'full' })
      expect([bare.status, bare.headers.location]).toEqual([308, `/port/${port}/`])
    } finally {
      app.close()
    }
    const closed = await freePort()
    const refused = await http(`/port/${closed}/`, { access: 'full' })
    expect(refused.status).toBe(502)
    expect(JSON.parse(refused.body).error.message).toBe(
      `nothing is listening on port ${closed} inside the sandbox`,
    )
  })

  it('answers 404 for anything else', async () => {
    expect((await http('/nothing', { access: 'full' })).status).toBe(404)
    expect((await http('/_runner/services/nope/start', { access: 'full', method: 'POST' })).status).toBe(404)
  })
})
