import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createClient, signInWithPassword } from '@agent-ops/sdk'
import { serve } from '@agent-ops/server'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, describe, expect, test } from 'vitest'
import { addTeamMember, bootstrapOwner, createTestServer, freePort, type TestServer } from './harness.ts'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function testServer(): Promise<TestServer> {
  const ts = await createTestServer({ config: { idleTimeoutMs: 0 } })
  cleanups.push(() => ts.close())
  return ts
}

/** Runs SQL on the server's database file (WAL lets a second connection in), to move clocks and expiries. */
function sql(ts: Pick<TestServer, 'dataDir'>, statement: string, ...params: unknown[]) {
  const db = new BetterSqlite3(join(ts.dataDir, 'agent-ops.db'))
  try {
    db.prepare(statement).run(...params)
  } finally {
    db.close()
  }
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const value = await read()
    if (done(value)) return value
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`gave up waiting for ${what}`)
}

describe('share links', () => {
  test('grant their role up to max uses, never after expiry or revocation, never across organizations', async () => {
    const ts = await testServer()
    const owner = await addTeamMember(ts, 'Owner')
    const session = await owner.client.sessions.create({ prompt: 'hi', title: 'shared' })
    await owner.client.sessions.stop(session.id)
    const link = await owner.client.sharing.createLink(session.id, { role: 'viewer', maxUses: 2 })
    expect(link.path).toBe(`/share#token=${link.token}`)
    const [a, b, c] = await Promise.all(['Ann', 'Ben', 'Cat'].map((n) => addTeamMember(ts, n)))
    await expect(a!.client.sessions.get(session.id)).rejects.toMatchObject({ status: 404 })
    expect(await a!.client.sharing.redeem(link.token)).toEqual({ sessionId: session.id, role: 'viewer' })
    expect((await a!.client.sessions.get(session.id)).access).toBe('viewer')
    await expect(a!.client.sessions.send(session.id, { text: 'may I?' })).rejects.toMatchObject({
      status: 403,
    })
    await b!.client.sharing.redeem(link.token)
    await expect(c!.client.sharing.redeem(link.token)).rejects.toMatchObject({
      status: 410,
      message: expect.stringContaining('maximum number of times'),
    })
    expect((await owner.client.sharing.links(session.id)).links[0]).toMatchObject({ uses: 2, maxUses: 2 })

    const expiring = await owner.client.sharing.createLink(session.id, { role: 'collaborator' })
    sql(
      ts,
      'UPDATE share_links SET expires_at = ? WHERE id = ?',
      new Date(Date.now() - 1000).toISOString(),
      expiring.id,
    )
    await expect(c!.client.sharing.redeem(expiring.token)).rejects.toMatchObject({ status: 410 })

    const revoked = await owner.client.sharing.createLink(session.id, { role: 'collaborator' })
    await owner.client.sharing.revokeLink(session.id, revoked.id)
    await expect(c!.client.sharing.redeem(revoked.token)).rejects.toMatchObject({ status: 404 })

    // A collaborator link upgrades a viewer; a viewer link never downgrades a collaborator.
    const upgrade = await owner.client.sharing.createLink(session.id, { role: 'collaborator' })
    expect((await a!.client.sharing.redeem(upgrade.token)).role).toBe('collaborator')
    const downgrade = await owner.client.sharing.createLink(session.id, { role: 'viewer' })
    expect((await a!.client.sharing.redeem(downgrade.token)).role).toBe('collaborator')

    // Someone in no organization cannot use it (and the use is not counted).
    const outsider = await signInWithPassword(
      ts.server.url,
      { email: 'x@y.test', password: 'outsider pass' },
      { signUp: true },
    )
    const fresh = await owner.client.sharing.createLink(session.id, { role: 'viewer', maxUses: 1 })
    await expect(
      createClient({ baseUrl: ts.server.url, cookie: outsider.cookie }).sharing.redeem(fresh.token),
    ).rejects.toMatchObject({
      status: 403,
    })
    await c!.client.sharing.redeem(fresh.token)

    const actions = (await ts.client.org.audit()).entries.map((e) => e.action)
    expect(actions).toEqual(
      expect.arrayContaining([
        'session.share_link_created',
        'session.share_link_used',
        'session.share_link_revoked',
      ]),
    )
  })
})

describe('deactivation', () => {
  test("stops the user's running sessions and kills their cookies and keys at once", async () => {
    const ts = await testServer()
    const dev = await addTeamMember(ts, 'Dev')
    const session = await dev.client.sessions.create({ prompt: 'work', title: 'running' })
    await waitFor(
      () => dev.client.sessions.get(session.id),
      (s) => s.status === 'ready',
      'the session to be ready',
    )

    const member = await ts.client.org.deactivate(dev.userId)
    expect(member.active).toBe(false)
    await expect(dev.client.me()).rejects.toMatchObject({ status: 401 })
    await expect(createClient({ baseUrl: ts.server.url, cookie: dev.cookie }).me()).rejects.toMatchObject({
      status: 401,
    })
    await expect(
      signInWithPassword(ts.server.url, { email: dev.email, password: 'password of Dev' }),
    ).rejects.toMatchObject({ status: 403, message: expect.stringContaining('deactivated') })
    const stopped = await waitFor(
      () => ts.client.sessions.get(session.id),
      (s) => s.status === 'stopped',
      'the stop',
    )
    expect(stopped.status).toBe('stopped')

    await ts.client.org.reactivate(dev.userId)
    const back = await signInWithPassword(ts.server.url, { email: dev.email, password: 'password of Dev' })
    expect((await createClient({ baseUrl: ts.server.url, cookie: back.cookie }).me()).user.id).toBe(
      dev.userId,
    )
    // Keys revoked at deactivation stay revoked.
    await expect(dev.client.me()).rejects.toMatchObject({ status: 401 })
    const actions = (await ts.client.org.audit()).entries.map((e) => e.action)
    expect(actions).toEqual(
      expect.arrayContaining(['user.deactivated', 'user.reactivated', 'session.stopped_by_other']),
    )
  })

  test('an owner cannot be deactivated by an admin, and the last owner not at all', async () => {
    const ts = await testServer()
    const admin = await addTeamMember(ts, 'Adm', { role: 'admin', scopes: ['admin'] })
    const owner = await ts.client.me()
    await expect(admin.client.org.deactivate(owner.user.id)).rejects.toMatchObject({ status: 403 })
    await expect(ts.client.org.deactivate(owner.user.id)).rejects.toMatchObject({ status: 409 })
    await expect(admin.client.org.setRole(admin.userId, 'owner')).rejects.toMatchObject({ status: 403 })
  })
})

describe('browser sessions', () => {
  test('CSRF: cookie-authenticated changes from another origin are refused; API keys need no origin', async () => {
    const ts = await testServer()
    const user = await addTeamMember(ts, 'Web')
    const post = (headers: Record<string, string>) =>
      fetch(`${ts.server.url}/api/keys`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ name: 'x', scopes: ['read'] }),
      })
    const origin = new URL(ts.server.url).origin
    expect((await post({ cookie: user.cookie, origin: 'https://evil.test' })).status).toBe(403)
    expect((await post({ cookie: user.cookie })).status).toBe(403)
    expect((await post({ cookie: user.cookie, 'sec-fetch-site': 'cross-site' })).status).toBe(403)
    expect((await post({ cookie: user.cookie, 'sec-fetch-site': 'same-origin' })).status).toBe(201)
    expect((await post({ cookie: user.cookie, origin })).status).toBe(201)
    expect((await post({ authorization: `Bearer ${user.token}` })).status).toBe(201)
    // Reads need no origin.
    expect((await fetch(`${ts.server.url}/api/me`, { headers: { cookie: user.cookie } })).status).toBe(200)
    // better-auth's own endpoints refuse a foreign origin too.
    const signIn = await fetch(`${ts.server.url}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.test' },
      body: JSON.stringify({ email: user.email, password: 'password of Web' }),
    })
    expect(signIn.status).toBe(403)
  })

  test('cookies are HttpOnly and SameSite; sign-in rotates the session; sign out everywhere ends them all', async () => {
    const ts = await testServer()
    const user = await addTeamMember(ts, 'Tab')
    const response = await fetch(`${ts.server.url}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin: new URL(ts.server.url).origin,
        cookie: user.cookie,
      },
      body: JSON.stringify({ email: user.email, password: 'password of Tab' }),
    })
    const setCookie = response.headers.getSetCookie().find((c) => c.includes('session_token'))!
    expect(setCookie).toMatch(/HttpOnly/i)
    expect(setCookie).toMatch(/SameSite=Lax/i)
    const rotated = setCookie.split(';')[0]!
    expect(rotated).not.toBe(user.cookie)
    const tabs = [user.cookie, rotated].map((cookie) => createClient({ baseUrl: ts.server.url, cookie }))
    for (const tab of tabs) expect((await tab.me()).user.email).toBe(user.email)
    await tabs[0]!.signOutEverywhere()
    for (const tab of tabs) await expect(tab.me()).rejects.toMatchObject({ status: 401 })
    // API keys are separate and keep working.
    expect((await user.client.me()).user.email).toBe(user.email)
  })

  test('a sign-in in use is extended, and the API sends the browser its cookie with the new expiry', async () => {
    const ts = await testServer()
    const user = await addTeamMember(ts, 'Daily')
    const me = () => fetch(`${ts.server.url}/api/me`, { headers: { cookie: user.cookie } })
    // Fresh: nothing to renew.
    expect((await me()).headers.getSetCookie()).toEqual([])
    // As if signed in two days ago (sign-ins last 7 days; one used after a day is extended).
    const db = new BetterSqlite3(join(ts.dataDir, 'agent-ops.db'))
    const expiresAt = () =>
      new Date(
        (
          db.prepare('SELECT expiresAt FROM auth_sessions WHERE userId = ?').get(user.userId) as {
            expiresAt: string
          }
        ).expiresAt,
      ).getTime()
    try {
      sql(
        ts,
        'UPDATE auth_sessions SET expiresAt = ? WHERE userId = ?',
        new Date(Date.now() + 5 * 86_400_000).toISOString(),
        user.userId,
      )
      const response = await me()
      expect(response.status).toBe(200)
      const renewed = response.headers.getSetCookie().find((c) => c.includes('session_token'))
      expect(renewed).toMatch(/Max-Age=604800/)
      expect(renewed).toMatch(/HttpOnly/i)
      expect(renewed?.split(';')[0]).toBe(user.cookie.split('; ').find((c) => c.includes('session_token')))
      expect(expiresAt()).toBeGreaterThan(Date.now() + 6.9 * 86_400_000)
    } finally {
      db.close()
    }
  })

  test('over HTTPS (public URL), cookies are Secure', async () => {
    const port = await freePort()
    const dataDir = mkdtempSync(join(tmpdir(), 'aops-tls-'))
    const server = await serve({
      port,
      dataDir,
      logLevel: 'silent',
      unsafeNoIsolation: true,
      publicUrl: 'https://agents.example.test',
    })
    cleanups.push(async () => {
      await server.close()
      rmSync(dataDir, { recursive: true, force: true })
    })
    const response = await fetch(`${server.url}/api/auth/sign-up/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://agents.example.test' },
      body: JSON.stringify({ email: 'a@b.test', password: 'secure password', name: 'A' }),
    })
    expect(response.status).toBe(200)
    const setCookie = response.headers.getSetCookie().find((c) => c.includes('session_token'))!
    expect(setCookie).toMatch(/; Secure/i)
    expect(setCookie.startsWith('__Secure-')).toBe(true)
  })
})

describe('active-session limit per person', () => {
  test("counts the sessions a person owns, not anyone else's", async () => {
    const ts = await createTestServer({ config: { idleTimeoutMs: 0, maxActiveSessionsPerUser: 1 } })
    cleanups.push(() => ts.close())
    const ann = await addTeamMember(ts, 'Ann')
    const ben = await addTeamMember(ts, 'Ben')
    const first = await ann.client.sessions.create({ prompt: 'one', title: 'ann 1' })
    await expect(ann.client.sessions.create({ prompt: 'two' })).rejects.toMatchObject({
      status: 429,
      message: expect.stringContaining('the limit is 1'),
    })
    // Ann's collaborator is not held to Ann's count, and owns what they start.
    await ann.client.sharing.setParticipant(first.id, ben.userId, 'collaborator')
    const bens = await ben.client.sessions.create({ prompt: 'mine', title: 'ben 1' })
    expect(bens.owner?.id).toBe(ben.userId)
    await ann.client.sessions.stop(first.id)
    const again = await ann.client.sessions.create({ prompt: 'three', title: 'ann 2' })
    expect(again.owner?.id).toBe(ann.userId)
  })
})

describe('rate limits', () => {
  test('sign-in attempts are limited per client and account, and the count survives a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'aops-rl-'))
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }))
    // A new port after the restart: the client's pooled connections to the old process are dead.
    const start = () => serve({ port: 0, dataDir, logLevel: 'silent', unsafeNoIsolation: true })
    let server = await start()
    await bootstrapOwner(server.url)
    const attempt = () =>
      signInWithPassword(server.url, { email: 'admin@example.test', password: 'not the password' }).then(
        () => 200,
        (error: { status?: number }) => error.status ?? String(error),
      )
    const statuses: (number | string)[] = []
    for (let i = 0; i < 10; i++) statuses.push(await attempt())
    expect(statuses.every((s) => s === 401)).toBe(true)
    expect(await attempt()).toBe(429)
    await server.close()
    server = await start()
    cleanups.push(() => server.close())
    expect(await attempt()).toBe(429)
    const limited = await fetch(`${server.url}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: new URL(server.url).origin },
      body: JSON.stringify({ email: 'admin@example.test', password: 'whatever' }),
    })
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await limited.json()).toMatchObject({ error: { code: 'rate_limited' } })
  })
})

const cliMain = fileURLToPath(new URL('../../cli/src/main.ts', import.meta.url))

describe('secrets', () => {
  test('no key, cookie or link token appears in a URL the server sees or in any log line', async () => {
    const port = await freePort()
    const dataDir = mkdtempSync(join(tmpdir(), 'aops-logs-'))
    let output = ''
    const child: ChildProcess = spawn(process.execPath, [cliMain, 'serve'], {
      env: {
        ...process.env,
        AGENT_OPS_PORT: String(port),
        AGENT_OPS_DATA_DIR: dataDir,
        AGENT_OPS_LOG_LEVEL: 'trace',
        AGENT_OPS_UNSAFE_NO_ISOLATION: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    cleanups.push(async () => {
      child.kill('SIGKILL')
      rmSync(dataDir, { recursive: true, force: true })
    })
    child.stdout!.on('data', (chunk) => (output += chunk))
    child.stderr!.on('data', (chunk) => (output += chunk))
    const url = `http://127.0.0.1:${port}`
    await waitFor(
      async () => output,
      (o) => o.includes('"msg":"listening"'),
      'the server',
    )

    const owner = await bootstrapOwner(url)
    const client = createClient({ baseUrl: url, token: owner.token })
    const invite = await client.org.invite({ role: 'member' })
    const joiner = await signInWithPassword(
      url,
      { email: 'j@x.test', password: 'joiner password' },
      { signUp: true },
    )
    const joinerClient = createClient({ baseUrl: url, cookie: joiner.cookie })
    await joinerClient.org.acceptInvite(invite.token)
    const key = await joinerClient.keys.create({ name: 'k', scopes: ['read'] })
    await createClient({ baseUrl: url, token: key.key }).me()
    await fetch(`${url}/api/me`, {
      headers: { authorization: 'Bearer aops_key_wrong-key-that-does-not-exist' },
    })
    await signInWithPassword(url, { email: 'j@x.test', password: 'a wrong password' }).catch(() => {})
    await new Promise((r) => setTimeout(r, 300))

    const secrets = [
      owner.token,
      key.key,
      invite.token,
      'aops_key_wrong-key-that-does-not-exist',
      'joiner password',
      'a wrong password',
      ...[owner.cookie, joiner.cookie].map((c) => decodeURIComponent(c.split('=')[1]!.split('.')[0]!)),
    ]
    expect(output).toContain('"msg":"request"')
    for (const secret of secrets) expect(output, `a secret leaked into the logs`).not.toContain(secret)
    // Paths only in request logs (a query string could carry a secret), and the invite token never in a path.
    const paths = [...output.matchAll(/"path":"([^"]*)"/g)].map((m) => m[1]!)
    expect(paths.length).toBeGreaterThan(5)
    for (const path of paths) expect(path).not.toMatch(/[?#]|aops_/)
    // The audit log holds ids and names, never tokens.
    const audit = JSON.stringify(await client.org.audit())
    for (const secret of secrets) expect(audit).not.toContain(secret)
  })
})
