import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import type { PanelServices, TerminalServerMessage } from '@agent-ops/protocol'
import type { Script } from '@agent-ops/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { collectEvents, createTestServer, idleCount, ofType, type TestServer } from './harness.ts'

/**
 * The runner's panel socket in a real bubblewrap sandbox, reached the way the gateway reaches it (the host path
 * the provider names): a terminal, code-server and the browser (Xtigervnc + Chromium) run inside the sandbox,
 * under its seccomp filter, read-only system and memory limit. Timings and memory are logged for the report.
 */

let t: TestServer
let sessionId: string
let socketPath: string

beforeAll(async () => {
  const script: Script = {
    exchanges: [
      { match: 'hello panels', steps: [{ text: 'Hello.' }] },
      {
        match: 'open a page',
        steps: [
          {
            toolCalls: [
              {
                // OpenCode names an MCP tool <server>_<tool>: the `browser` server's browser_navigate.
                name: 'browser_browser_navigate',
                arguments: { url: 'data:text/html,<title>agent-was-here</title><h1>hello</h1>' },
              },
            ],
          },
          { text: 'Opened.' },
        ],
      },
    ],
  }
  t = await createTestServer({ isolated: true, script })
  const started = Date.now()
  sessionId = (await t.client.sessions.create({ prompt: 'hello panels' })).id
  await collectEvents(t.client, sessionId, (_e, seen) => idleCount(seen) >= 1, { timeoutMs: 180_000 })
  console.log('session created to first turn done', Date.now() - started, 'ms', new Date().toISOString())
  socketPath = join(t.sandboxDir as string, sessionId, 'volume', 'panels', 'panels.sock')
  for (let i = 0; i < 100 && !existsSync(socketPath); i++) await new Promise((r) => setTimeout(r, 100))
}, 240_000)

afterAll(async () => {
  await t?.close()
})

function http(path: string, access: 'full' | 'view' = 'full', method = 'GET') {
  return new Promise<{ status: number; body: string; location?: string }>((resolve, reject) => {
    const req = request({ socketPath, path, method, headers: { 'x-agent-ops-access': access } }, (res) => {
      let body = ''
      res.on('data', (chunk) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, location: res.headers.location }))
    })
    req.on('error', reject)
    req.end()
  })
}

function open(path: string, access: 'full' | 'view') {
  const ws = new WebSocket(`ws+unix://${socketPath}:${path}`, { headers: { 'x-agent-ops-access': access } })
  const opened = new Promise<number>((resolve, reject) => {
    ws.once('open', () => resolve(101))
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    ws.once('error', reject)
  })
  return { ws, opened }
}

async function terminal(id: string) {
  const { ws, opened } = open(`/terminal/ws/${id}?cols=100&rows=30`, 'full')
  const frames: TerminalServerMessage[] = []
  ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as TerminalServerMessage))
  expect(await opened).toBe(101)
  // The first frame (the scrollback) follows the upgrade at once.
  for (let i = 0; i < 100 && frames.length === 0; i++) await new Promise((r) => setTimeout(r, 20))
  const output = () => frames.map((frame) => (frame.type === 'output' ? frame.data : '')).join('')
  const waitFor = async (pattern: RegExp) => {
    for (let i = 0; i < 300 && !pattern.test(output()); i++) await new Promise((r) => setTimeout(r, 50))
    expect(output()).toMatch(pattern)
  }
  return { ws, frames, waitFor, send: (data: string) => ws.send(JSON.stringify({ type: 'input', data })) }
}

async function services(): Promise<PanelServices> {
  return JSON.parse((await http('/_runner/services', 'view')).body) as PanelServices
}

/** The sandbox cgroup's memory use now and at its peak (cgroup v1 or v2). */
function cgroupMemory() {
  for (const root of ['/sys/fs/cgroup/memory/agent-ops', '/sys/fs/cgroup/agent-ops']) {
    for (const tag of existsSync(root) ? readdirSync(root) : []) {
      const dir = join(root, tag, sessionId)
      if (!existsSync(dir)) continue
      const read = (...names: string[]) => {
        for (const name of names)
          if (existsSync(join(dir, name))) return Number(readFileSync(join(dir, name), 'utf8'))
        return undefined
      }
      return {
        currentBytes: read('memory.usage_in_bytes', 'memory.current'),
        peakBytes: read('memory.max_usage_in_bytes', 'memory.peak'),
      }
    }
  }
  return undefined
}

const short = (lines: string) =>
  lines
    .split('\n')
    .map((line) => line.slice(0, 140))
    .join('\n')

/** Every process the sandbox's pid namespace holds: its resident memory (kB) and command line. */
async function processes(): Promise<string> {
  const script =
    'for p in /proc/[0-9]*; do printf "%s %s " "$(grep VmRSS $p/status 2>/dev/null | tr -s " " | cut -d" " -f2)" "$(cat $p/comm)"; tr "\\0" " " < $p/cmdline; echo; done'
  return (await t.server.sandboxExec(sessionId, ['sh', '-c', script])).stdout
}

const MiB = 1024 ** 2
const mib = (bytes = 0) => Math.round(bytes / MiB)

describe('the panel socket of a bubblewrap sandbox', () => {
  it('starts nothing until asked', async () => {
    const idle = await services()
    expect(idle.services.map((s) => s.state)).toEqual(['stopped', 'stopped', 'stopped'])
    expect(idle.agentRssBytes).toBeGreaterThan(0)
    const ps = await processes()
    console.log('idle processes\n', short(ps))
    // OpenCode asked for the browser tools at the first prompt; the runner answered from its catalogue, so
    // Playwright MCP (and Chromium) are not running: no process beyond the runner's and OpenCode's.
    expect(ps).not.toMatch(/@playwright\/mcp/)
    expect(ps).not.toMatch(/chromium|Xtigervnc|code-server/i)
    console.log('idle session', {
      agentMiB: mib(idle.agentRssBytes),
      runnerMiB: mib(idle.runnerRssBytes),
      cgroup: cgroupMemory(),
    })
  })

  it('refuses a terminal to view access before the upgrade', async () => {
    expect(await open('/terminal/ws/viewer', 'view').opened).toBe(403)
  })

  it('runs a shell inside the sandbox and replays its scrollback on reconnect', async () => {
    const started = Date.now()
    const first = await terminal('main')
    first.send('echo $((6*7)); hostname; id -u\r')
    await first.waitFor(/[\r\n]42\r\nsandbox\r\n1000\r\n/)
    console.log('terminal: first answer after', Date.now() - started, 'ms')
    first.ws.close()
    const again = await terminal('main')
    expect(again.frames[0]?.type).toBe('output')
    expect((again.frames[0] as { data: string }).data).toMatch(/[\r\n]42\r\n/)
    again.ws.close()
  })

  it('serves code-server under /vscode/', async () => {
    const started = Date.now()
    const root = await http('/vscode/')
    console.log('code-server: first answer after', Date.now() - started, 'ms')
    expect(root.status).toBe(302)
    expect(root.location).toBe('./?folder=/workspace')
    const page = await http('/vscode/?folder=/workspace')
    expect(page.status).toBe(200)
    expect(page.body).toContain('workbench')
    expect((await http('/vscode')).location).toBe('/vscode/')
  })

  it('starts the browser and streams VNC to a viewer, which may watch but not type', async () => {
    const started = Date.now()
    const { ws, opened } = open('/browser/websockify', 'view')
    expect(await opened).toBe(101)
    const first = await new Promise<Buffer>((resolve, reject) => {
      ws.once('message', (data) => resolve(data as Buffer))
      ws.once('close', (code) =>
        services().then((now) => reject(new Error(`closed ${code}: ${JSON.stringify(now.services[2])}`))),
      )
    })
    console.log('browser: RFB greeting after', Date.now() - started, 'ms')
    expect(first.toString('latin1')).toBe('RFB 003.008\n')
    // The viewer's handshake passes the view filter; the server answers with its security types.
    const security = new Promise<Buffer>((resolve) => ws.once('message', (data) => resolve(data as Buffer)))
    ws.send(Buffer.from('RFB 003.008\n', 'latin1'))
    expect([...(await security)]).toEqual([1, 1]) // one type offered: None
    // An unknown message type from a viewer ends the connection.
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
    ws.send(Buffer.from([1]))
    ws.send(Buffer.from([1]))
    ws.send(Buffer.from([99, 0, 0, 0]))
    expect(await closed).toBe(1008)
  })

  it('reports the memory of every service, within the sandbox limit', async () => {
    const now = await services()
    const byName = Object.fromEntries(now.services.map((s) => [s.name, s]))
    expect(byName.terminal?.state).toBe('running')
    expect(byName.vscode?.state).toBe('running')
    expect(byName.browser?.state).toBe('running')
    for (const service of now.services) expect(service.rssBytes).toBeGreaterThan(0)
    console.log('services', {
      ...Object.fromEntries(now.services.map((s) => [s.name, mib(s.rssBytes)])),
      agentMiB: mib(now.agentRssBytes),
      runnerMiB: mib(now.runnerRssBytes),
      cgroup: cgroupMemory(),
    })
    // Every process is inside the sandbox: the sandbox's own pid namespace lists them.
    const ps = await processes()
    console.log('processes\n', short(ps))
    expect(ps).toMatch(/Xtigervnc :1 /)
    expect(ps).toMatch(/chromium .*--remote-debugging-port/)
    expect(ps).toMatch(/code-server/)
  })

  it('stops a service on request', async () => {
    const stopped = await http('/_runner/services/browser/stop', 'full', 'POST')
    expect(JSON.parse(stopped.body)).toMatchObject({ name: 'browser', state: 'stopped', rssBytes: 0 })
    expect((await http('/_runner/services/browser/stop', 'view', 'POST')).status).toBe(403)
  })

  it('lets the agent drive the same Chromium through MCP, which starts the browser again', async () => {
    const before = await services()
    expect(before.services[2]?.state).toBe('stopped')
    const seq = (await t.client.sessions.get(sessionId)).lastEventSeq
    await t.client.sessions.send(sessionId, { text: 'please open a page' })
    const events = await collectEvents(t.client, sessionId, (_e, seen) => idleCount(seen) >= 1, {
      after: seq,
      timeoutMs: 120_000,
    })
    const navigate = ofType(events, 'tool.updated').filter((e) => e.data.tool === 'browser_browser_navigate')
    expect(navigate.at(-1)?.data.status, JSON.stringify(navigate.at(-1)?.data)).toBe('completed')
    expect((await services()).services[2]?.state).toBe('running')
    // The page is in the Chromium people watch: its DevTools list shows it.
    const list = await t.server.sandboxExec(sessionId, [
      'python3',
      '-c',
      'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:9222/json/list").read().decode())',
    ])
    expect(list.stdout).toContain('agent-was-here')
    // Playwright MCP's snapshots go to the runner's state dir, never into the repository.
    expect(existsSync(join(t.workspaceOf(sessionId), '.playwright-mcp'))).toBe(false)
    console.log('after the agent used the browser', short(await processes()))
  })
})
