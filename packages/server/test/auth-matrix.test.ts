import { request as httpRequest } from 'node:http'
import { join } from 'node:path'
import { createClient, signInWithPassword } from '@agent-ops/sdk'
import BetterSqlite3 from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { addTeamMember, createTestServer, type TestServer } from './harness.ts'

/**
 * The authorization matrix: every route the router has (HTTP, SSE, WebSocket) × every kind of caller. The
 * routes come from the running app, so a new route without a row here fails the test; the expectations are
 * written out by hand, one reviewed row per route.
 */

const callers = [
  'anonymous',
  'owner', // a member who started the session
  'collaborator',
  'viewer',
  'outsider', // a member of the team with no access to the private session
  'admin', // an org admin (manages every session of the org)
  'otherOrg', // a user of another organization
  'noOrg', // signed in, in no organization yet
  'adminKeyRead', // the admin's API keys, one per scope
  'adminKeyWrite',
  'adminKeyAdmin',
  'ownerKeyRead', // the session owner's read-only key: acts as a viewer
] as const
type Caller = (typeof callers)[number]

const all: Caller[] = [...callers]
const signedIn = all.filter((c) => c !== 'anonymous')
/**
 * Org-level routes act on the caller's own organization: the other org's owner may call them (on their org;
 * `other organizations see nothing of ours` checks the content), people in no org may not.
 */
const members: Caller[] = signedIn.filter((c) => c !== 'noOrg')
const writers = members.filter((c) => c !== 'adminKeyRead' && c !== 'ownerKeyRead')
const orgAdmins: Caller[] = ['admin', 'otherOrg', 'adminKeyAdmin']
/** Who can see the private session at all, and with which role. */
const sessionViewers: Caller[] = [
  'owner',
  'collaborator',
  'viewer',
  'admin',
  'adminKeyRead',
  'adminKeyWrite',
  'adminKeyAdmin',
  'ownerKeyRead',
]
const sessionCollaborators: Caller[] = ['owner', 'collaborator', 'admin', 'adminKeyWrite', 'adminKeyAdmin']
const sessionOwners: Caller[] = ['owner', 'admin', 'adminKeyWrite', 'adminKeyAdmin']
const nobody: Caller[] = []

type Row = { allow: Caller[]; body?: unknown; why?: string }

const matrix: Record<string, Row> = {
  'GET /api/health': { allow: all },
  'GET /api/openapi.json': { allow: all },
  'GET /api/sign-in-options': { allow: all },
  'GET /api/auth/*': { allow: all, why: 'better-auth answers itself (get-session)' },
  'POST /api/auth/*': { allow: all, body: {}, why: 'better-auth answers itself (revoke-session)' },

  'GET /api/me': { allow: signedIn },
  'POST /api/invites/accept': { allow: signedIn.filter((c) => !c.endsWith('KeyRead')), body: {} },
  'GET /api/keys': { allow: signedIn },
  'POST /api/keys': { allow: signedIn.filter((c) => !c.endsWith('KeyRead')), body: {} },
  'DELETE /api/keys/:keyId': { allow: signedIn.filter((c) => !c.endsWith('KeyRead')) },

  'GET /api/models': { allow: members },
  'GET /api/org': { allow: members },
  'GET /api/org/members': { allow: members },
  'PATCH /api/org': { allow: orgAdmins, body: { allowedDomains: ['not a domain'] } },
  'PATCH /api/org/members/:userId': { allow: orgAdmins, body: {} },
  'POST /api/org/members/:userId/deactivate': { allow: orgAdmins },
  'POST /api/org/members/:userId/reactivate': { allow: orgAdmins },
  'GET /api/org/invites': { allow: orgAdmins },
  'POST /api/org/invites': { allow: orgAdmins, body: { role: 'owner' } },
  'DELETE /api/org/invites/:inviteId': { allow: orgAdmins },
  'GET /api/audit': { allow: orgAdmins },

  'GET /api/sessions': { allow: members },
  'POST /api/sessions': { allow: writers, body: {} },
  'GET /api/sessions/:id': { allow: sessionViewers },
  'PATCH /api/sessions/:id': { allow: sessionOwners, body: { visibility: 'nope' } },
  'GET /api/sessions/:id/events': {
    allow: sessionViewers,
    why: 'SSE: the status is checked, the stream aborted',
  },
  'GET /api/sessions/:id/log': { allow: sessionViewers },
  'GET /api/sessions/:id/timeline': { allow: sessionViewers },
  'GET /api/sessions/:id/presence': { allow: sessionViewers },
  'POST /api/sessions/:id/messages': { allow: sessionCollaborators, body: {} },
  'PATCH /api/sessions/:id/messages/:messageId': { allow: sessionCollaborators, body: {} },
  'DELETE /api/sessions/:id/messages/:messageId': { allow: sessionCollaborators },
  'POST /api/sessions/:id/abort': { allow: sessionCollaborators },
  'POST /api/sessions/:id/resume': {
    allow: sessionCollaborators,
    why: 'allowed callers get 409: the session in this test is not hibernated',
  },
  'POST /api/sessions/:id/join': {
    allow: ['owner', 'collaborator', 'admin', 'adminKeyWrite', 'adminKeyAdmin'],
    why: 'private session: viewers are refused by the handler (not joinable); others already have more access (409)',
  },
  'GET /api/sessions/:id/participants': { allow: sessionViewers },
  'PUT /api/sessions/:id/participants/:userId': { allow: sessionOwners, body: {} },
  'DELETE /api/sessions/:id/participants/:userId': { allow: sessionOwners },
  'GET /api/sessions/:id/share-links': { allow: sessionOwners, why: 'read-only keys act as viewers' },
  'POST /api/sessions/:id/share-links': { allow: sessionOwners, body: { role: 'owner' } },
  'DELETE /api/sessions/:id/share-links/:linkId': { allow: sessionOwners },
  'POST /api/share-links/redeem': { allow: writers, body: {} },
  'GET /api/sessions/:id/panels': {
    allow: sessionViewers,
    why: 'the stopped session answers all services stopped',
  },
  'POST /api/sessions/:id/panels/:name/start': {
    allow: sessionCollaborators,
    why: 'allowed callers get 503: the stopped session has no runner',
  },
  'POST /api/sessions/:id/panels/:panel/token': {
    allow: ['owner', 'collaborator', 'viewer', 'admin', 'adminKeyWrite', 'adminKeyAdmin'],
    body: {},
    why: 'the browser panel: viewers get a view-only token; read-only keys mint nothing (POST needs write)',
  },
  // Last: for allowed callers it stops the session (idempotent)...
  'DELETE /api/sessions/:id': { allow: sessionOwners },
  // ...and this ends every browser session of the caller.
  'POST /api/me/sign-out-everywhere': { allow: signedIn.filter((c) => !c.endsWith('KeyRead')) },

  'ALL /llm/:provider/*': { allow: nobody, why: "the LLM proxy takes only a live session's LLM token" },
  'GET /internal/runner': {
    allow: nobody,
    why: "the runner hub (WebSocket) takes only a session's control token",
  },
  'GET /*': { allow: all, why: 'the web client (static files)' },
}

/** Middleware registrations the router lists as routes (method ALL); anything else with ALL is a real route. */
const middleware = new Set([
  'ALL /api/*',
  'ALL /api/auth/sign-in/*',
  'ALL /api/auth/sign-up/*',
  'ALL /api/keys',
  'ALL /api/invites/accept',
  'ALL /api/share-links/redeem',
  'ALL /*',
])

/** Concrete request paths for patterns; ids that do not exist are fine (the handler's 404 means "allowed"). */
function concrete(pattern: string, sessionId: string): string {
  const examples: Record<string, string> = {
    '/api/auth/*': '/api/auth/get-session',
    '/llm/:provider/*': '/llm/openai-compatible/chat/completions',
    '/*': '/',
  }
  const path = examples[pattern] ?? pattern
  return path
    .replace(':id', sessionId)
    .replace(':userId', 'usr_nobody')
    .replace(':keyId', 'key_nobody')
    .replace(':inviteId', 'inv_nobody')
    .replace(':linkId', 'shr_nobody')
    .replace(':messageId', 'msg_nobody')
    .replace(':panel', 'browser')
    .replace(':name', 'vscode')
}

/** Denied by access control: 401/403, or the 404 that hides a session the caller may not see. */
function isDenial(status: number, body: unknown): boolean {
  if (status === 401) return true
  const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error
  if (status === 403 && error?.code === 'forbidden') return true
  return status === 404 && /^session \S+ not found$/.test(error?.message ?? '')
}

let ts: TestServer
let sessionId: string
let otherOrgKey: string
const credentials = new Map<Caller, Record<string, string>>()

beforeAll(async () => {
  ts = await createTestServer({ config: { idleTimeoutMs: 0 } })
  const url = ts.server.url
  const origin = new URL(url).origin
  const owner = await addTeamMember(ts, 'Owner')
  const collaborator = await addTeamMember(ts, 'Collab')
  const viewer = await addTeamMember(ts, 'Viewer')
  const outsider = await addTeamMember(ts, 'Outsider')
  const admin = await addTeamMember(ts, 'OrgAdmin', { role: 'admin' })
  const noOrg = await signInWithPassword(
    url,
    { email: 'stranger@elsewhere.test', password: 'a long enough password', name: 'Stranger' },
    { signUp: true },
  )
  const other = await signInWithPassword(
    url,
    { email: 'other@otherorg.test', password: 'a long enough password', name: 'Other' },
    { signUp: true },
  )
  // A second organization, made directly in the database: the product creates one per installation.
  const sqlite = new BetterSqlite3(join(ts.dataDir, 'agent-ops.db'))
  sqlite
    .prepare(
      "INSERT INTO orgs (id, name, allowed_domains, created_at) VALUES ('org_other', 'Other org', '[]', ?)",
    )
    .run(new Date().toISOString())
  sqlite
    .prepare(
      "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ('org_other', ?, 'owner', ?)",
    )
    .run(other.userId, new Date().toISOString())
  sqlite.close()
  otherOrgKey = (
    await createClient({ baseUrl: url, cookie: other.cookie }).keys.create({
      name: 'other',
      scopes: ['admin'],
      expiresInDays: 1,
    })
  ).key

  const session = await owner.client.sessions.create({ prompt: 'hello', title: 'private work' })
  sessionId = session.id
  await owner.client.sharing.setParticipant(sessionId, collaborator.userId, 'collaborator')
  await owner.client.sharing.setParticipant(sessionId, viewer.userId, 'viewer')
  await owner.client.sessions.stop(sessionId)

  const adminCookieClient = createClient({ baseUrl: url, cookie: admin.cookie })
  const key = async (scopes: ('read' | 'write' | 'admin')[]) =>
    (await adminCookieClient.keys.create({ name: scopes.join('+'), scopes, expiresInDays: 1 })).key
  const ownerRead = (
    await createClient({ baseUrl: url, cookie: owner.cookie }).keys.create({
      name: 'r',
      scopes: ['read'],
      expiresInDays: 1,
    })
  ).key
  const cookie = (c: string) => ({ cookie: c, origin })
  const bearer = (k: string) => ({ authorization: `Bearer ${k}` })
  // Anonymous callers come from a browser page of the app (the CSRF check is tested on its own).
  credentials.set('anonymous', { origin })
  credentials.set('owner', cookie(owner.cookie))
  credentials.set('collaborator', cookie(collaborator.cookie))
  credentials.set('viewer', cookie(viewer.cookie))
  credentials.set('outsider', cookie(outsider.cookie))
  credentials.set('admin', cookie(admin.cookie))
  credentials.set('otherOrg', cookie(other.cookie))
  credentials.set('noOrg', cookie(noOrg.cookie))
  credentials.set('adminKeyRead', bearer(await key(['read'])))
  credentials.set('adminKeyWrite', bearer(await key(['write'])))
  credentials.set('adminKeyAdmin', bearer(await key(['admin'])))
  credentials.set('ownerKeyRead', bearer(ownerRead))
}, 240_000)

afterAll(async () => {
  await ts?.close()
})

/**
 * Sandbox origins (the panel gateway): each caller mints a token with its own credentials, exchanges it on the
 * session's sandbox origin and uses the cookie. The app's credentials alone open nothing there. Runs before the
 * route matrix, whose last rows end the browser sessions.
 */
describe('authorization matrix: sandbox origin', () => {
  const panels = {
    vscode: { path: '/vscode/x', allow: sessionCollaborators },
    browser: { path: '/browser/websockify', allow: [...sessionCollaborators, 'viewer'] as Caller[] },
  }
  const sandboxRequest = (
    path: string,
    headers: Record<string, string>,
    port = new URL(ts.server.url).port,
  ) =>
    new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path,
          headers: { host: `${sessionId.replace('_', '-')}.sandbox.localhost:${port}`, ...headers },
        },
        (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        },
      )
      req.on('error', reject)
      req.end()
    })

  test.each(Object.keys(panels))('%s panel', async (panel) => {
    const { path, allow } = panels[panel as keyof typeof panels]
    const outcomes: Record<string, string> = {}
    const expected: Record<string, string> = {}
    const port = new URL(ts.server.url).port
    for (const caller of callers) {
      const appCredentials = credentials.get(caller) ?? {}
      // The app's credentials sent straight to the sandbox origin: never enough.
      expect(await sandboxRequest(path, { cookie: appCredentials.cookie ?? '', ...appCredentials })).toBe(401)
      const minted = await fetch(`${ts.server.url}/api/sessions/${sessionId}/panels/${panel}/token`, {
        method: 'POST',
        headers: { ...appCredentials, 'content-type': 'application/json' },
        body: '{}',
      })
      let status = minted.status
      if (minted.ok) {
        const { token } = (await minted.json()) as { token: string }
        const exchanged = await fetch(`${ts.server.url}/_agent-ops/exchange`, {
          method: 'POST',
          redirect: 'manual',
          headers: {
            origin: `http://localhost:${port}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams({ token }),
        })
        // The exchange lives on the sandbox origin only; fetch cannot choose the Host, so post it raw.
        expect(exchanged.status).toBe(404)
        const cookie = await exchangeOnSandbox(port, token)
        status = await sandboxRequest(path, { cookie })
      } else await minted.body?.cancel()
      const allowed = status !== 401 && status !== 403 && status !== 404
      outcomes[caller] = `${allowed ? 'allowed' : 'denied'} (${status})`
      expected[caller] = allow.includes(caller) ? 'allowed' : 'denied'
    }
    const decisions = Object.fromEntries(Object.entries(outcomes).map(([k, v]) => [k, v.split(' ')[0]]))
    expect(decisions, JSON.stringify(outcomes, null, 1)).toEqual(expected)
  })

  function exchangeOnSandbox(port: string, token: string) {
    return new Promise<string>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/_agent-ops/exchange',
          method: 'POST',
          headers: {
            host: `${sessionId.replace('_', '-')}.sandbox.localhost:${port}`,
            origin: `http://localhost:${port}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
        },
        (res) => {
          res.resume()
          resolve(String(res.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '')
        },
      )
      req.on('error', reject)
      req.end(new URLSearchParams({ token }).toString())
    })
  }
})

describe('authorization matrix', () => {
  test('every route of the router has a reviewed row, and every row is a route', () => {
    const routes = ts.server.routes.map((r) => `${r.method} ${r.path}`).filter((r) => !middleware.has(r))
    expect([...new Set(routes)].sort()).toEqual(Object.keys(matrix).sort())
  })

  test('other organizations see nothing of ours', async () => {
    const other = createClient({ baseUrl: ts.server.url, token: otherOrgKey })
    expect((await other.sessions.list()).sessions).toEqual([])
    expect((await other.org.get()).id).toBe('org_other')
    expect((await other.org.members()).members.map((m) => m.user.email)).toEqual(['other@otherorg.test'])
    expect((await other.org.audit()).entries.every((e) => e.actor.name === 'Other')).toBe(true)
    await expect(other.sessions.get(sessionId)).rejects.toMatchObject({ status: 404 })
  })

  test.each(Object.keys(matrix))('%s', async (route) => {
    const row = matrix[route]!
    const [method, pattern] = route.split(' ') as [string, string]
    const path = concrete(pattern, sessionId)
    const outcomes: Record<string, string> = {}
    const expected: Record<string, string> = {}
    for (const caller of callers) {
      const abort = new AbortController()
      const headers: Record<string, string> = { ...credentials.get(caller) }
      let body: string | undefined
      if (method !== 'GET' && method !== 'DELETE') {
        headers['content-type'] = 'application/json'
        body = JSON.stringify(row.body ?? {})
      }
      const response = await fetch(ts.server.url + path, {
        method: method === 'ALL' ? 'POST' : method,
        headers,
        body,
        signal: abort.signal,
      })
      const isStream = response.headers.get('content-type')?.startsWith('text/event-stream')
      const parsed = isStream ? undefined : await response.json().catch(() => undefined)
      abort.abort()
      if (response.status === 429)
        throw new Error(`${caller} was rate limited on ${route}: the matrix would be inconclusive`)
      const allowed = !isDenial(response.status, parsed)
      outcomes[caller] = `${allowed ? 'allowed' : 'denied'} (${response.status})`
      expected[caller] = row.allow.includes(caller) ? 'allowed' : 'denied'
    }
    const decisions = Object.fromEntries(Object.entries(outcomes).map(([k, v]) => [k, v.split(' ')[0]]))
    expect(decisions, JSON.stringify(outcomes, null, 1)).toEqual(expected)
  })
})
