import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { PanelKind, PanelServices } from '@agent-ops/protocol'
import { type Client, createClient } from '@agent-ops/sdk'
import { type RunningServer, serve } from '@agent-ops/server'
import { type ScriptedModel, startScriptedModel } from '@agent-ops/testkit'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import WsClient, { WebSocketServer } from 'ws'
import { launchChromium } from '../../../e2e/helpers.ts'
import { loadOrCreateSecretKey } from '../src/auth/secret-key.ts'
import { PanelTokens } from '../src/gateway/panel-tokens.ts'
import { addTeamMember, adminUser, bootstrapOwner, scriptedModelRef, type TestUser } from './harness.ts'

/**
 * The panel gateway on sandbox origins, against the real server and a stand-in for the runner's panel socket
 * (node:http + ws on a Unix socket) that echoes what it receives.
 */

// The page callbacks run in Chromium; the server's TypeScript has no DOM types, so these few are declared here.
type Element = Record<string, unknown> & { append(...nodes: unknown[]): void; submit(): void }
declare const document: { createElement(tag: string): Element; body: Element; cookie: string }
declare const location: { origin: string }

type Seen = { method: string; path: string; access: string | null; cookie: string | null; body: string }

let server: RunningServer
let model: ScriptedModel
let dataDir: string
let clientDir: string
let standIn: Server
let standInSocket: string
let standInRequests = 0
const seen: Seen[] = []
let owner: Client
let ownerCookie: string
let collaborator: TestUser
let viewer: TestUser
let gone: TestUser
let sessionA: string
let sessionB: string

const label = (id: string) => id.replaceAll('_', '-')
const hostOf = (id: string) => `${label(id)}.sandbox.localhost:${server.port}`
const originOf = (id: string) => `http://${hostOf(id)}`
const appOrigin = () => `http://localhost:${server.port}`

function startStandIn(path: string): Promise<Server> {
  const wss = new WebSocketServer({ noServer: true })
  const http = createServer((req, res) => {
    standInRequests++
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const entry: Seen = {
        method: req.method ?? '',
        path: req.url ?? '',
        access: (req.headers['x-agent-ops-access'] as string | undefined) ?? null,
        cookie: req.headers.cookie ?? null,
        body: Buffer.concat(chunks).toString(),
      }
      seen.push(entry)
      if (req.url === '/_runner/services') {
        const services: PanelServices = {
          services: [
            { name: 'terminal', state: 'running', rssBytes: 1000 },
            { name: 'vscode', state: 'stopped', rssBytes: 0 },
            { name: 'browser', state: 'stopped', rssBytes: 0 },
          ],
          agentRssBytes: 5,
          runnerRssBytes: 6,
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(services))
        return
      }
      if (req.url === '/_runner/services/vscode/start' && req.method === 'POST') {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ name: 'vscode', state: 'starting', step: 'Starting VS Code', rssBytes: 0 }))
        return
      }
      if (req.url?.startsWith('/port/3000/page')) {
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end('<!doctype html><title>port 3000</title><p>hi')
        return
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(entry))
    })
  })
  http.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.send(
        JSON.stringify({
          path: req.url,
          access: req.headers['x-agent-ops-access'] ?? null,
          cookie: req.headers.cookie ?? null,
        }),
      )
      ws.on('message', (data) => ws.send(`echo:${data}`))
    })
  })
  return new Promise((resolve) => http.listen(path, () => resolve(http)))
}

type Answer = { status: number; headers: IncomingHttpHeaders; text: string }

/** A request to the server with any Host (node's fetch will not send a chosen Host). */
function call(
  path: string,
  opts: { host?: string; method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path,
        method: opts.method ?? 'GET',
        headers: { host: opts.host ?? `localhost:${server.port}`, ...opts.headers },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString(),
          }),
        )
      },
    )
    req.on('error', reject)
    req.end(opts.body)
  })
}

async function mint(user: { cookie: string }, sessionId: string, panel: PanelKind, body: object = {}) {
  return call(`/api/sessions/${sessionId}/panels/${panel}/token`, {
    method: 'POST',
    headers: { cookie: user.cookie, origin: appOrigin(), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

function exchange(sessionId: string, token: string, opts: { origin?: string | null; next?: string } = {}) {
  const form = new URLSearchParams({ token })
  if (opts.next) form.set('next', opts.next)
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
  if (opts.origin !== null) headers.origin = opts.origin ?? appOrigin()
  return call('/_agent-ops/exchange', {
    host: hostOf(sessionId),
    method: 'POST',
    headers,
    body: form.toString(),
  })
}

/** Mints and exchanges; returns the `name=value` cookie for the sandbox origin. */
async function panelCookie(user: { cookie: string }, sessionId: string, panel: PanelKind, port?: number) {
  const minted = await mint(user, sessionId, panel, port ? { port } : {})
  expect(minted.status, minted.text).toBe(200)
  const answer = await exchange(sessionId, JSON.parse(minted.text).token)
  expect(answer.status, answer.text).toBe(303)
  return String(answer.headers['set-cookie']?.[0]).split(';')[0]!
}

function openWs(sessionId: string, path: string, headers: Record<string, string>) {
  return new Promise<{ ws: WsClient; first: string } | { status: number }>((resolve, reject) => {
    const ws = new WsClient(`ws://127.0.0.1:${server.port}${path}`, {
      headers: { host: hostOf(sessionId), ...headers },
    })
    ws.once('message', (data) => resolve({ ws, first: String(data) }))
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }))
    ws.once('error', reject)
  })
}

beforeAll(async () => {
  model = await startScriptedModel({ script: { exchanges: [] } })
  dataDir = mkdtempSync(join(tmpdir(), 'aops-panels-'))
  clientDir = join(dataDir, 'client')
  mkdirSync(join(clientDir, 'panels', 'assets'), { recursive: true })
  writeFileSync(join(clientDir, 'panels', 'terminal.html'), '<!doctype html><title>terminal panel</title>')
  writeFileSync(join(clientDir, 'panels', 'browser.html'), '<!doctype html><title>browser panel</title>')
  writeFileSync(join(clientDir, 'panels', 'assets', 'panel.js'), 'console.log("panel")')
  writeFileSync(join(dataDir, 'secret-outside-assets.txt'), 'secret')
  standInSocket = join(dataDir, 'panels.sock')
  standIn = await startStandIn(standInSocket)
  server = await serve(
    {
      port: 0,
      dataDir: join(dataDir, 'data'),
      logLevel: 'warn',
      openaiCompatibleUrl: model.openaiBaseUrl,
      defaultModel: scriptedModelRef,
      unsafeNoIsolation: true,
      idleTimeoutMs: 0,
      clientDir,
    },
    // Session B's sandbox "is not running": nothing listens on its socket.
    { panelSocket: (id) => (id === sessionB ? join(dataDir, 'nothing.sock') : standInSocket) },
  )
  const boot = await bootstrapOwner(server.url)
  ownerCookie = boot.cookie
  owner = createClient({ baseUrl: server.url, token: boot.token })
  const ts = { server, client: owner }
  collaborator = await addTeamMember(ts, 'Collab')
  viewer = await addTeamMember(ts, 'Viewer')
  gone = await addTeamMember(ts, 'Gone')
  sessionA = (await owner.sessions.create({ prompt: 'hello', title: 'A' })).id
  sessionB = (await owner.sessions.create({ prompt: 'hello', title: 'B' })).id
  await owner.sharing.setParticipant(sessionA, collaborator.userId, 'collaborator')
  await owner.sharing.setParticipant(sessionA, viewer.userId, 'viewer')
  await owner.sharing.setParticipant(sessionA, gone.userId, 'collaborator')
  await owner.sessions.stop(sessionA)
  await owner.sessions.stop(sessionB)
}, 240_000)

afterAll(async () => {
  await server?.close()
  await model?.close()
  standIn?.close()
  standIn?.closeAllConnections()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

describe('panel tokens (app API)', () => {
  test('collaborators get full tokens for every panel; viewers only a view token for the browser', async () => {
    for (const panel of ['terminal', 'vscode', 'browser'] as const) {
      const answer = await mint(collaborator, sessionA, panel)
      expect(answer.status, answer.text).toBe(200)
      const token = JSON.parse(answer.text)
      expect(token).toMatchObject({
        access: 'full',
        origin: originOf(sessionA),
        exchangeUrl: `${originOf(sessionA)}/_agent-ops/exchange`,
        path: `/${panel}/`,
      })
      expect(Date.parse(token.expiresAt) - Date.now()).toBeLessThanOrEqual(60_000)
    }
    const port = await owner.sessions.panelToken(sessionA, 'port', { port: 3000 })
    expect(port).toMatchObject({ access: 'full', path: '/port/3000/' })
    expect((await mint(collaborator, sessionA, 'port')).status).toBe(400)

    const browser = await viewer.client.sessions.panelToken(sessionA, 'browser')
    expect(browser.access).toBe('view')
    for (const panel of ['terminal', 'vscode'] as const) {
      const refused = await mint(viewer, sessionA, panel)
      expect(refused.status).toBe(403)
      expect(JSON.parse(refused.text).error.message).toBe('viewers can watch the browser panel only')
    }
    const refusedPort = await mint(viewer, sessionA, 'port', { port: 3000 })
    expect(refusedPort.status).toBe(403)
    // Not a participant of B (private): the session is hidden.
    expect((await mint(collaborator, sessionB, 'vscode')).status).toBe(404)
    expect((await mint({ cookie: '' }, sessionA, 'vscode')).status).toBe(401)
  })

  test('services come from the runner socket; a session without a running sandbox has all stopped', async () => {
    const services = await collaborator.client.sessions.panels(sessionA)
    expect(services.services.find((s) => s.name === 'terminal')).toMatchObject({ state: 'running' })
    expect(services.agentRssBytes).toBe(5)
    const started = await collaborator.client.sessions.startPanel(sessionA, 'vscode')
    expect(started).toMatchObject({ name: 'vscode', state: 'starting' })
    await expect(viewer.client.sessions.startPanel(sessionA, 'vscode')).rejects.toMatchObject({ status: 403 })
    const stopped = await owner.sessions.panels(sessionB)
    expect(stopped.services.every((s) => s.state === 'stopped' && s.rssBytes === 0)).toBe(true)
    await expect(owner.sessions.startPanel(sessionB, 'vscode')).rejects.toMatchObject({ status: 503 })
  })
})

describe('token exchange on the sandbox origin', () => {
  test('sets a host-only, HttpOnly, path-scoped cookie for iframes and redirects to the panel', async () => {
    const token = (await owner.sessions.panelToken(sessionA, 'port', { port: 3000 })).token
    const answer = await exchange(sessionA, token, { next: '/port/3000/app?x=1' })
    expect(answer.status, answer.text).toBe(303)
    expect(answer.headers.location).toBe('/port/3000/app?x=1')
    const cookie = answer.headers['set-cookie']?.[0] ?? ''
    expect(cookie).toMatch(/^aops_panel_port_3000=[\w-]+\.[\w-]+; /)
    const attributes = cookie.split('; ').slice(1)
    expect(attributes).toEqual(
      expect.arrayContaining(['Path=/port/3000/', 'HttpOnly', 'SameSite=None', 'Secure', 'Partitioned']),
    )
    expect(cookie).not.toMatch(/domain=/i)
  })

  test('refuses forged, expired, replayed, other-session, cross-origin tokens and foreign next paths', async () => {
    const token = (await owner.sessions.panelToken(sessionA, 'vscode')).token
    const [payload, signature] = token.split('.') as [string, string]
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`
    const forged = await exchange(sessionA, `${payload}.${flipped}`)
    expect(forged.status).toBe(401)
    expect(forged.text).toMatch(/not valid.*Reopen the panel/)
    // A token claiming more, signed with another key.
    const foreignKey = new PanelTokens(Buffer.alloc(32, 7), undefined as never)
    const claims = {
      sid: sessionA,
      uid: collaborator.userId,
      panel: 'vscode' as const,
      access: 'full' as const,
    }
    expect((await exchange(sessionA, foreignKey.mint(claims).token)).status).toBe(401)
    // Expired: signed with the real key, a minute in the past.
    const realKey = new PanelTokens(loadOrCreateSecretKey(join(dataDir, 'data')), undefined as never)
    const expired = await exchange(sessionA, realKey.mint(claims, -60_000).token)
    expect(expired.status).toBe(401)
    expect(expired.text).toMatch(/expired/)

    // From a page that is not the app's.
    expect((await exchange(sessionA, token, { origin: originOf(sessionA) })).status).toBe(403)
    expect((await exchange(sessionA, token, { origin: null })).status).toBe(403)
    // next outside the panel.
    const fresh = async () => (await owner.sessions.panelToken(sessionA, 'vscode')).token
    expect((await exchange(sessionA, await fresh(), { next: '//evil.test/vscode/' })).status).toBe(400)
    expect((await exchange(sessionA, await fresh(), { next: '/terminal/' })).status).toBe(400)

    const once = await exchange(sessionA, token)
    expect(once.status).toBe(303)
    const replay = await exchange(sessionA, token)
    expect(replay.status).toBe(401)
    expect(replay.text).toMatch(/already used/)

    const forA = (await owner.sessions.panelToken(sessionA, 'vscode')).token
    const onB = await exchange(sessionB, forA)
    expect(onB.status).toBe(403)
    expect(onB.text).toMatch(/another session/)
  })
})

describe('origins', () => {
  test('panel paths are refused on the app origin, the app on sandbox origins', async () => {
    for (const path of ['/vscode/', '/terminal/ws/t1', '/browser/', '/port/3000/', '/_agent-ops/exchange']) {
      const answer = await call(path, { headers: { cookie: ownerCookie } })
      expect(answer.status, path).toBe(404)
      expect(JSON.parse(answer.text).error.message).toBe(
        "panels are served only on the session's sandbox origin",
      )
    }
    const onApp = await call('/_agent-ops/exchange', {
      method: 'POST',
      headers: { origin: appOrigin(), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=x',
    })
    expect(onApp.status).toBe(404)
    for (const path of ['/api/sessions', '/api/health', '/', '/index.html', '/sessions']) {
      const answer = await call(path, { host: hostOf(sessionA), headers: { cookie: ownerCookie } })
      expect(answer.status, path).toBe(404)
      expect(answer.text).not.toContain('"sessions"')
    }
    const unknown = await call('/vscode/', { host: `ses-000000000aaaa.sandbox.localhost:${server.port}` })
    expect(unknown.status).toBe(404)
    expect((await call('/vscode/', { host: `not_a-label.sandbox.localhost:${server.port}` })).status).toBe(
      404,
    )
  })

  test("the app's CSRF check refuses a cookie-authenticated change from a sandbox origin", async () => {
    const answer = await call('/api/sessions', {
      method: 'POST',
      headers: { cookie: ownerCookie, origin: originOf(sessionA), 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'from the sandbox' }),
    })
    expect(answer.status).toBe(403)
    expect(JSON.parse(answer.text).error.message).toMatch(/cross-site request refused/)
  })
})

describe('proxy to the runner panel socket', () => {
  test('HTTP: needs the panel cookie; forwards the access header and no gateway cookies', async () => {
    const noCookie = await call('/vscode/', { host: hostOf(sessionA) })
    expect(noCookie.status).toBe(401)
    expect(noCookie.text).toMatch(/Reopen the panel/)
    const cookie = await panelCookie(collaborator, sessionA, 'vscode')
    const answer = await call('/vscode/static/x.js?v=1', {
      host: hostOf(sessionA),
      headers: { cookie: `theme=dark; ${cookie}; aops_panel_terminal=zzz`, 'x-agent-ops-access': 'view' },
    })
    expect(answer.status, answer.text).toBe(200)
    expect(JSON.parse(answer.text)).toMatchObject({
      method: 'GET',
      path: '/vscode/static/x.js?v=1',
      access: 'full',
      cookie: 'theme=dark',
    })
    // The vscode cookie does not open another panel.
    expect((await call('/terminal/ws/t1', { host: hostOf(sessionA), headers: { cookie } })).status).toBe(401)
    // Dot segments are resolved before the panel is chosen.
    const dotted = await call('/vscode/../_runner/services', { host: hostOf(sessionA), headers: { cookie } })
    expect(dotted.status).toBe(404)
  })

  test('HTTP: changes need the sandbox origin; bodies stream through', async () => {
    const cookie = await panelCookie(collaborator, sessionA, 'port', 8080)
    const post = (origin?: string) =>
      call('/port/8080/submit', {
        host: hostOf(sessionA),
        method: 'POST',
        headers: { cookie, 'content-type': 'text/plain', ...(origin ? { origin } : {}) },
        body: 'x'.repeat(200_000),
      })
    expect((await post()).status).toBe(403)
    expect((await post('http://evil.test')).status).toBe(403)
    const ok = await post(originOf(sessionA))
    expect(ok.status).toBe(200)
    expect(JSON.parse(ok.text).body).toHaveLength(200_000)
  })

  test('WebSocket: proxied with the access header; refused without the sandbox origin', async () => {
    const cookie = await panelCookie(collaborator, sessionA, 'terminal')
    const before = standInRequests
    const refusedNoOrigin = await openWs(sessionA, '/terminal/ws/t1', { cookie })
    expect(refusedNoOrigin).toEqual({ status: 403 })
    const refusedOrigin = await openWs(sessionA, '/terminal/ws/t1', { cookie, origin: appOrigin() })
    expect(refusedOrigin).toEqual({ status: 403 })
    const refusedCookie = await openWs(sessionA, '/terminal/ws/t1', { origin: originOf(sessionA) })
    expect(refusedCookie).toEqual({ status: 401 })
    expect(standInRequests).toBe(before)

    const opened = await openWs(sessionA, '/terminal/ws/t1?cols=80&rows=24', {
      cookie: `a=1; ${cookie}`,
      origin: originOf(sessionA),
      'x-agent-ops-access': 'view',
    })
    if (!('ws' in opened)) throw new Error(`refused: ${opened.status}`)
    expect(JSON.parse(opened.first)).toEqual({
      path: '/terminal/ws/t1?cols=80&rows=24',
      access: 'full',
      cookie: 'a=1',
    })
    const echo = new Promise<string>((resolve) => opened.ws.once('message', (d) => resolve(String(d))))
    opened.ws.send('hello')
    expect(await echo).toBe('echo:hello')
    opened.ws.close()
  })

  test('viewers: the browser panel, view-only; nothing else', async () => {
    const cookie = await panelCookie(viewer, sessionA, 'browser')
    const page = await call('/browser/', { host: hostOf(sessionA), headers: { cookie } })
    expect(page.status).toBe(200)
    expect(page.text).toContain('browser panel')
    const opened = await openWs(sessionA, '/browser/websockify', { cookie, origin: originOf(sessionA) })
    if (!('ws' in opened)) throw new Error(`refused: ${opened.status}`)
    expect(JSON.parse(opened.first)).toMatchObject({ access: 'view' })
    opened.ws.close()
    const other = await call('/browser/json/version', { host: hostOf(sessionA), headers: { cookie } })
    expect(other.status).toBe(403)
    expect(other.text).toMatch(/Viewers can watch the browser panel only/)
  })

  test('panel pages and their assets; the session without a running sandbox answers 503', async () => {
    const asset = await call('/_agent-ops/assets/panel.js', { host: hostOf(sessionA) })
    expect(asset.status).toBe(200)
    expect(asset.headers['content-type']).toMatch(/javascript/)
    expect((await call('/_agent-ops/assets/missing.js', { host: hostOf(sessionA) })).status).toBe(404)
    const traversal = await call('/_agent-ops/assets/..%2f..%2f..%2fsecret-outside-assets.txt', {
      host: hostOf(sessionA),
    })
    expect(traversal.status).toBe(404)
    expect((await call('/terminal/', { host: hostOf(sessionA) })).status).toBe(401)
    const terminal = await call('/terminal/', {
      host: hostOf(sessionA),
      headers: { cookie: await panelCookie(collaborator, sessionA, 'terminal') },
    })
    expect(terminal.text).toContain('terminal panel')
    expect((await call('/terminal', { host: hostOf(sessionA) })).headers.location).toBe('/terminal/')

    const down = await call('/vscode/', {
      host: hostOf(sessionB),
      headers: { cookie: await panelCookie({ cookie: ownerCookie }, sessionB, 'vscode') },
    })
    expect(down.status).toBe(503)
    expect(down.text).toMatch(/stopped/)
  })

  test('a deactivated user or a removed participant loses access within seconds', async () => {
    const goneCookie = await panelCookie(gone, sessionA, 'vscode')
    const viewerCookie = await panelCookie(viewer, sessionA, 'browser')
    expect((await call('/vscode/', { host: hostOf(sessionA), headers: { cookie: goneCookie } })).status).toBe(
      200,
    )
    expect(
      (await call('/browser/', { host: hostOf(sessionA), headers: { cookie: viewerCookie } })).status,
    ).toBe(200)
    await owner.org.deactivate(gone.userId)
    await owner.sharing.removeParticipant(sessionA, viewer.userId)
    await new Promise((resolve) => setTimeout(resolve, 5_200))
    const refused = await call('/vscode/', { host: hostOf(sessionA), headers: { cookie: goneCookie } })
    expect(refused.status).toBe(403)
    expect(refused.text).toMatch(/no longer have access/)
    expect(
      (await call('/browser/', { host: hostOf(sessionA), headers: { cookie: viewerCookie } })).status,
    ).toBe(403)
    const ws = await openWs(sessionA, '/vscode/socket', { cookie: goneCookie, origin: originOf(sessionA) })
    expect(ws).toEqual({ status: 403 })
    await owner.sharing.setParticipant(sessionA, viewer.userId, 'viewer')
  }, 20_000)
})

describe('in Chromium', () => {
  test('a panel iframe gets its cookie from the exchange, and cannot use the app session', async () => {
    const browser = await launchChromium()
    try {
      const page = await (await browser.newContext()).newPage()
      await page.goto(`${appOrigin()}/`)
      const signedIn = await page.evaluate(async (user) => {
        const r = await fetch('/api/auth/sign-in/email', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: user.email, password: user.password }),
        })
        return r.status
      }, adminUser)
      expect(signedIn).toBe(200)
      const sessionsBefore = (await owner.sessions.list()).sessions.length
      // What the client does: mint with the app session, POST the token into a named iframe.
      await page.evaluate(async (sessionId) => {
        const r = await fetch(`/api/sessions/${sessionId}/panels/port/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ port: 3000 }),
        })
        const token = (await r.json()) as { token: string; exchangeUrl: string }
        const frame = document.createElement('iframe')
        frame.name = 'panel'
        document.body.append(frame)
        const form = document.createElement('form')
        form.method = 'POST'
        form.action = token.exchangeUrl
        form.target = 'panel'
        for (const [name, value] of [
          ['token', token.token],
          ['next', '/port/3000/page'],
        ] as const) {
          const input = document.createElement('input')
          input.type = 'hidden'
          input.name = name
          input.value = value
          form.append(input)
        }
        document.body.append(form)
        form.submit()
      }, sessionA)
      const frame = await (async () => {
        for (let i = 0; i < 100; i++) {
          const found = page.frames().find((f) => f.url().startsWith(`${originOf(sessionA)}/port/3000/page`))
          if (found) return found
          await new Promise((resolve) => setTimeout(resolve, 100))
        }
        throw new Error(`the panel did not load: ${page.frames().map((f) => f.url())}`)
      })()
      await frame.waitForLoadState()
      expect(await frame.title()).toBe('port 3000')
      const inside = await frame.evaluate(async (app) => {
        const again = await fetch('/port/3000/echo')
        const ws = await new Promise<string>((resolve) => {
          const socket = new WebSocket(`${location.origin.replace('http', 'ws')}/port/3000/ws`)
          socket.onmessage = (event) => {
            resolve(String(event.data))
            socket.close()
          }
          socket.onerror = () => resolve('error')
        })
        let read = 'readable'
        try {
          await (await fetch(`${app}/api/sessions`, { credentials: 'include' })).json()
        } catch (error) {
          read = `refused: ${(error as Error).name}`
        }
        await fetch(`${app}/api/sessions`, {
          method: 'POST',
          credentials: 'include',
          mode: 'no-cors',
          headers: { 'content-type': 'text/plain' },
          body: JSON.stringify({ prompt: 'written by the agent' }),
        }).catch(() => undefined)
        return { again: again.status, ws, cookie: document.cookie, read }
      }, appOrigin())
      expect(inside.again).toBe(200)
      expect(JSON.parse(inside.ws)).toMatchObject({ path: '/port/3000/ws', access: 'full' })
      expect(inside.cookie).not.toContain('session_token')
      expect(inside.cookie).not.toContain('aops_panel')
      expect(inside.read).toBe('refused: TypeError')
      expect((await owner.sessions.list()).sessions.length).toBe(sessionsBefore)
    } finally {
      await browser.close()
    }
  }, 60_000)
})
