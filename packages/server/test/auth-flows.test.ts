import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient, signInWithPassword } from '@agent-ops/sdk'
import { type ConfigInput, type RunningServer, serve } from '@agent-ops/server'
import { type GitHubOAuth, type GoogleOAuth, startGitHubOAuth, startGoogleOAuth } from '@agent-ops/testkit'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { freePort } from './harness.ts'

/**
 * Sign-in flows for real: better-auth's OAuth code (state, PKCE, code exchange, user fetch) against testkit's
 * GitHub and Google stand-ins over loopback, local passwords, invites and the first-user-owns-the-team rule.
 */

let github: GitHubOAuth
let google: GoogleOAuth
const cleanups: (() => Promise<void>)[] = []

beforeAll(async () => {
  github = await startGitHubOAuth({
    autoApprove: true,
    users: [
      { login: 'octocat', id: 583231, name: 'The Octocat', email: 'octocat@github.test', emailPrivate: true },
      { login: 'hubot', id: 480938, name: 'Hubot', email: 'hubot@github.test' },
    ],
  })
  google = await startGoogleOAuth({
    autoApprove: true,
    users: [{ email: 'grace@gmail.test', name: 'Grace Hopper' }],
  })
})

afterAll(async () => {
  await github?.close()
  await google?.close()
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A server whose public URL is `http://localhost:<port>` (OAuth callbacks and cookies are bound to it). */
async function startServer(config: ConfigInput = {}): Promise<{ server: RunningServer; base: string }> {
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'aops-auth-'))
  const base = `http://localhost:${port}`
  const server = await serve({
    port,
    dataDir,
    logLevel: 'silent',
    unsafeNoIsolation: true,
    publicUrl: base,
    githubClientId: github.clientId,
    githubClientSecret: github.clientSecret,
    githubBaseUrl: github.url,
    googleClientId: google.clientId,
    googleClientSecret: google.clientSecret,
    googleIssuer: google.issuer,
    ...config,
  })
  cleanups.push(async () => {
    await server.close()
    rmSync(dataDir, { recursive: true, force: true })
  })
  return { server, base }
}

/** Cookies as a browser keeps them: name → value, updated from every Set-Cookie. */
class CookieJar {
  readonly #cookies = new Map<string, string>()
  take(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const eq = pair!.indexOf('=')
      const name = pair!.slice(0, eq)
      const value = pair!.slice(eq + 1)
      if (value === '' || /max-age=0/i.test(line)) this.#cookies.delete(name)
      else this.#cookies.set(name, value)
    }
  }
  header() {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }
}

/** The browser's OAuth round trip: start at the app, approve at the provider, come back to the callback. */
async function oauthSignIn(base: string, providerId: 'github' | 'google') {
  const jar = new CookieJar()
  const start = await fetch(`${base}/api/auth/sign-in/social`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ provider: providerId, callbackURL: '/' }),
  })
  expect(start.status, await start.clone().text()).toBe(200)
  jar.take(start)
  const { url } = (await start.json()) as { url: string }
  expect(url.startsWith(providerId === 'github' ? github.url : google.url)).toBe(true)
  const approved = await fetch(url, { redirect: 'manual' })
  expect(approved.status).toBe(302)
  const callback = approved.headers.get('location')!
  expect(callback.startsWith(`${base}/api/auth/callback/${providerId}?`)).toBe(true)
  const landed = await fetch(callback, { redirect: 'manual', headers: { cookie: jar.header() } })
  jar.take(landed)
  expect(landed.status, await landed.clone().text()).toBe(302)
  expect(landed.headers.get('location')).toBe('/')
  return createClient({ baseUrl: base, cookie: jar.header() })
}

describe('OAuth sign-in', () => {
  test('GitHub (Enterprise layout): the private primary email comes from /user/emails; the first user owns the team', async () => {
    const { base } = await startServer()
    const options = await createClient({ baseUrl: base }).signInOptions()
    expect(options).toEqual({ methods: ['password', 'github', 'google'], firstUser: true })
    const tokenRequests = github.counts.token
    const client = await oauthSignIn(base, 'github')
    const me = await client.me()
    expect(me.user).toMatchObject({ name: 'The Octocat', email: 'octocat@github.test' })
    expect(me.org?.role).toBe('owner')
    expect(github.counts.token).toBe(tokenRequests + 1)
    expect(github.authorizations.at(-1)).toMatchObject({ codeChallengeMethod: 'S256' })
    // A second GitHub user without an invite is signed in but in no team.
    github.setNextUser('hubot')
    const second = await oauthSignIn(base, 'github')
    expect((await second.me()).org).toBeNull()
    await expect(second.sessions.list()).rejects.toMatchObject({ status: 403 })
  })

  test('Google: the id_token is verified against the JWKS; an invited address joins with its role', async () => {
    const { base } = await startServer()
    const { cookie } = await signInWithPassword(
      base,
      { email: 'owner@team.test', password: 'owner password 1' },
      { signUp: true },
    )
    const owner = createClient({ baseUrl: base, cookie })
    await owner.org.invite({ email: 'grace@gmail.test', role: 'admin' })
    const grace = await oauthSignIn(base, 'google')
    const me = await grace.me()
    expect(me.user.email).toBe('grace@gmail.test')
    expect(me.org?.role).toBe('admin')
    expect(google.counts.jwks).toBeGreaterThan(0)
    expect((await owner.org.invites()).invites[0]?.acceptedAt).not.toBeNull()
  })

  test('only enabled methods are offered and accepted', async () => {
    const { base } = await startServer({
      passwordSignIn: false,
      googleClientId: undefined,
      googleClientSecret: undefined,
    })
    expect((await createClient({ baseUrl: base }).signInOptions()).methods).toEqual(['github'])
    await expect(
      signInWithPassword(base, { email: 'a@b.test', password: 'long enough pw' }, { signUp: true }),
    ).rejects.toMatchObject({ status: expect.any(Number) })
  })
})

describe('passwords, invites and the team', () => {
  test('the first account owns the team; later ones need an invite or an allowed domain', async () => {
    const { base } = await startServer()
    const first = await signInWithPassword(
      base,
      { email: 'ada@team.test', password: 'first password!' },
      { signUp: true },
    )
    const owner = createClient({ baseUrl: base, cookie: first.cookie })
    expect((await owner.me()).org?.role).toBe('owner')
    expect((await owner.signInOptions()).firstUser).toBe(false)

    const stranger = await signInWithPassword(
      base,
      { email: 'eve@else.test', password: 'stranger password' },
      { signUp: true },
    )
    expect((await createClient({ baseUrl: base, cookie: stranger.cookie }).me()).org).toBeNull()

    await owner.org.update({ allowedDomains: ['team.test'] })
    const colleague = await signInWithPassword(
      base,
      { email: 'bob@team.test', password: 'colleague password' },
      { signUp: true },
    )
    expect((await createClient({ baseUrl: base, cookie: colleague.cookie }).me()).org?.role).toBe('member')

    // Password sign-in (not sign-up) works and makes a new browser session each time.
    const again = await signInWithPassword(base, { email: 'ada@team.test', password: 'first password!' })
    expect(again.cookie).not.toBe(first.cookie)
    await expect(
      signInWithPassword(base, { email: 'ada@team.test', password: 'wrong password!!' }),
    ).rejects.toMatchObject({
      status: 401,
    })
  })

  test('an invite link joins once, for the address it names, before it expires', async () => {
    const { base } = await startServer()
    const first = await signInWithPassword(
      base,
      { email: 'ada@team.test', password: 'first password!' },
      { signUp: true },
    )
    const owner = createClient({ baseUrl: base, cookie: first.cookie })
    const link = await owner.org.invite({ role: 'member' })
    expect(link.path).toBe(`/invite#token=${link.token}`)

    const carol = await signInWithPassword(
      base,
      { email: 'carol@x.test', password: 'carol password' },
      { signUp: true },
    )
    const carolClient = createClient({ baseUrl: base, cookie: carol.cookie })
    await carolClient.org.acceptInvite(link.token)
    expect((await carolClient.me()).org?.role).toBe('member')

    const dan = await signInWithPassword(
      base,
      { email: 'dan@x.test', password: 'dan password!!' },
      { signUp: true },
    )
    const danClient = createClient({ baseUrl: base, cookie: dan.cookie })
    await expect(danClient.org.acceptInvite(link.token)).rejects.toMatchObject({ status: 409 })

    const forErin = await owner.org.invite({ email: 'erin@x.test' })
    await expect(danClient.org.acceptInvite(forErin.token)).rejects.toMatchObject({ status: 403 })

    const revoked = await owner.org.invite({})
    await owner.org.revokeInvite(revoked.id)
    await expect(danClient.org.acceptInvite(revoked.token)).rejects.toMatchObject({ status: 404 })
    await expect(danClient.org.acceptInvite('aops_inv_not-a-real-token')).rejects.toMatchObject({
      status: 404,
    })

    const roles = (await owner.org.members()).members.map((m) => `${m.user.email}:${m.role}`)
    expect(roles).toEqual(['ada@team.test:owner', 'carol@x.test:member'])
    const actions = (await owner.org.audit()).entries.map((e) => e.action)
    expect(actions).toEqual(expect.arrayContaining(['invite.created', 'invite.accepted', 'invite.revoked']))
  })
})
