// The GitHub stand-in over real sockets, driven with plain fetch the way an OAuth client (better-auth) drives
// github.com: authorize → consent → code → token exchange with PKCE → /user and /user/emails.
import { createHash, randomBytes } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type GitHubOAuth, startGitHubOAuth } from '../index.ts'

const CALLBACK = 'http://127.0.0.1:9/api/auth/callback/github'

function pkce() {
  const verifier = randomBytes(32).toString('base64url')
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
}

function authorizeUrl(gh: GitHubOAuth, params: Record<string, string>) {
  const url = new URL(gh.authorizeUrl)
  const defaults = { client_id: gh.clientId, redirect_uri: CALLBACK, scope: 'read:user user:email' }
  for (const [k, v] of Object.entries({ ...defaults, ...params })) url.searchParams.set(k, v)
  return url.href
}

/** Authorizes through the consent page as `account`; returns the callback URL GitHub redirected to. */
async function consent(
  gh: GitHubOAuth,
  params: Record<string, string>,
  account: string,
  decision = 'authorize',
) {
  const page = await fetch(authorizeUrl(gh, params), { redirect: 'manual' })
  expect(page.status).toBe(200)
  const html = await page.text()
  const requestId = /name="request" value="([^"]+)"/.exec(html)?.[1]
  expect(requestId).toBeDefined()
  const res = await fetch(gh.authorizeUrl, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({ request: requestId ?? '', account, decision }),
  })
  expect(res.status).toBe(302)
  return new URL(res.headers.get('location') ?? '')
}

/** The token request better-auth sends: form body, client_secret_post, Accept: application/json. */
function exchange(gh: GitHubOAuth, fields: Record<string, string>, accept = 'application/json') {
  return fetch(gh.tokenUrl, {
    method: 'POST',
    headers: { accept },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: gh.clientId,
      client_secret: gh.clientSecret,
      redirect_uri: CALLBACK,
      ...fields,
    }),
  })
}

async function codeFor(gh: GitHubOAuth, account = 'octocat') {
  const { verifier, challenge } = pkce()
  const state = randomBytes(8).toString('hex')
  const callback = await consent(
    gh,
    { state, code_challenge: challenge, code_challenge_method: 'S256' },
    account,
  )
  return { code: callback.searchParams.get('code') ?? '', verifier }
}

let gh: GitHubOAuth
beforeAll(async () => {
  gh = await startGitHubOAuth({
    redirectUris: [CALLBACK],
    users: [
      { login: 'octocat', id: 583231, name: 'The Octocat', email: 'octocat@github.com' },
      {
        login: 'hubot',
        name: null,
        email: 'hubot@example.com',
        emailPrivate: true,
        extraEmails: [{ email: 'hubot@old.example.com', verified: false }],
      },
    ],
  })
})
afterAll(() => gh.close())

describe('GitHub OAuth stand-in', () => {
  it('runs the whole web flow: consent page, code, PKCE token exchange, user and emails', async () => {
    const before = { ...gh.counts }
    const { verifier, challenge } = pkce()
    const page = await fetch(
      authorizeUrl(gh, { state: 'st-1', code_challenge: challenge, code_challenge_method: 'S256' }),
      { redirect: 'manual' },
    )
    const html = await page.text()
    expect(page.headers.get('content-type')).toContain('text/html')
    expect(html).toContain('Sign in to GitHub as <span id="account-name">octocat</span>')
    expect(html).toContain('value="hubot"')
    expect(html).toContain('id="authorize"')

    const callback = await consent(
      gh,
      { state: 'st-2', code_challenge: challenge, code_challenge_method: 'S256' },
      'hubot',
    )
    expect(callback.origin + callback.pathname).toBe(CALLBACK)
    expect(callback.searchParams.get('state')).toBe('st-2')
    const code = callback.searchParams.get('code') ?? ''
    expect(code).not.toBe('')
    const auth = gh.authorizations.at(-1)
    expect(auth).toMatchObject({
      state: 'st-2',
      codeChallenge: challenge,
      status: 'approved',
      account: 'hubot',
    })
    expect(auth?.scopes).toEqual(['read:user', 'user:email'])

    const res = await exchange(gh, { code, code_verifier: verifier })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('application/json')
    const token = (await res.json()) as Record<string, string>
    expect(token).toEqual({
      access_token: expect.stringMatching(/^gho_[A-Za-z0-9]{36}$/),
      token_type: 'bearer',
      scope: 'read:user,user:email',
    })
    expect(gh.authorizations.at(-1)?.status).toBe('exchanged')

    const headers = { authorization: `Bearer ${token.access_token}`, 'user-agent': 'better-auth' }
    const userRes = await fetch(gh.userUrl, { headers })
    expect(userRes.headers.get('x-oauth-scopes')).toBe('read:user, user:email')
    const user = (await userRes.json()) as Record<string, unknown>
    expect(user).toMatchObject({ login: 'hubot', id: 1001, name: null, email: null, type: 'User' })
    expect(user.avatar_url).toBe(`${gh.url}/avatars/u/1001?v=4`)
    const avatar = await fetch(String(user.avatar_url))
    expect(avatar.headers.get('content-type')).toBe('image/svg+xml')
    await avatar.arrayBuffer()

    const emails = await (await fetch(gh.emailsUrl, { headers })).json()
    expect(emails).toEqual([
      { email: 'hubot@example.com', primary: true, verified: true, visibility: 'private' },
      { email: 'hubot@old.example.com', primary: false, verified: false, visibility: null },
      { email: '1001+hubot@users.noreply.github.com', primary: false, verified: true, visibility: null },
    ])
    expect(gh.counts).toEqual({
      authorize: before.authorize + 2,
      consent: before.consent + 1,
      token: before.token + 1,
      user: before.user + 1,
      emails: before.emails + 1,
    })
  })

  it('answers form-encoded unless JSON is asked for, and takes JSON bodies and `token` auth', async () => {
    const first = await codeFor(gh)
    const form = await exchange(gh, { code: first.code, code_verifier: first.verifier }, '*/*')
    expect(form.headers.get('content-type')).toContain('application/x-www-form-urlencoded')
    const parsed = new URLSearchParams(await form.text())
    expect(parsed.get('token_type')).toBe('bearer')
    expect(parsed.get('scope')).toBe('read:user,user:email')

    const second = await codeFor(gh)
    const json = await fetch(gh.tokenUrl, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: gh.clientId,
        client_secret: gh.clientSecret,
        code: second.code,
        code_verifier: second.verifier,
      }),
    })
    const { access_token } = (await json.json()) as { access_token: string }
    const user = await fetch(`${gh.apiUrl}/user`, { headers: { authorization: `token ${access_token}` } })
    expect(await user.json()).toMatchObject({ login: 'octocat', id: 583231, email: 'octocat@github.com' })
  })

  it('auto-approves as the next user without a consent page', async () => {
    const auto = await startGitHubOAuth({
      autoApprove: true,
      users: [
        { login: 'a', email: 'a@x' },
        { login: 'b', email: 'b@x' },
      ],
    })
    try {
      auto.setNextUser('b')
      const first = await fetch(authorizeUrl(auto, { state: 's' }), { redirect: 'manual' })
      expect(first.status).toBe(302)
      expect(new URL(first.headers.get('location') ?? '').searchParams.get('state')).toBe('s')
      // setNextUser is one-shot: the following authorization falls back to the first user.
      await fetch(authorizeUrl(auto, {}), { redirect: 'manual' })
      expect(auto.authorizations.map((a) => a.account)).toEqual(['b', 'a'])
      // No redirectUris registered: any http(s) callback is accepted, and PKCE is optional.
      const code = auto.authorizations[0]?.code ?? ''
      const res = await fetch(auto.tokenUrl, {
        method: 'POST',
        headers: { accept: 'application/json' },
        body: new URLSearchParams({ client_id: auto.clientId, client_secret: auto.clientSecret, code }),
      })
      expect(await res.json()).toMatchObject({ token_type: 'bearer' })
    } finally {
      await auto.close()
    }
  })

  it('answers token errors in GitHub shape, with HTTP 200', async () => {
    const { code, verifier } = await codeFor(gh)
    const expectError = async (res: Response, error: string) => {
      expect(res.status).toBe(200)
      expect(await res.json()).toMatchObject({ error, error_description: expect.any(String) })
    }
    await expectError(
      await exchange(gh, { code, code_verifier: verifier, client_secret: 'wrong' }),
      'incorrect_client_credentials',
    )
    await expectError(
      await exchange(gh, { code, code_verifier: verifier, redirect_uri: `${CALLBACK}/other` }),
      'redirect_uri_mismatch',
    )
    // The mismatch above consumed the code: codes are single-use whatever the outcome.
    await expectError(await exchange(gh, { code, code_verifier: verifier }), 'bad_verification_code')

    const fresh = await codeFor(gh)
    await expectError(
      await exchange(gh, { code: fresh.code, code_verifier: pkce().verifier }),
      'bad_verification_code',
    )
    const again = await codeFor(gh)
    await expectError(await exchange(gh, { code: again.code }), 'bad_verification_code')

    const ok = await codeFor(gh)
    expect(await (await exchange(gh, { code: ok.code, code_verifier: ok.verifier })).json()).toHaveProperty(
      'access_token',
    )
    await expectError(
      await exchange(gh, { code: ok.code, code_verifier: ok.verifier }),
      'bad_verification_code',
    )
  })

  it('refuses bad authorize requests the way GitHub does', async () => {
    const unknown = await fetch(authorizeUrl(gh, { client_id: 'nope' }), { redirect: 'manual' })
    expect(unknown.status).toBe(404)
    await unknown.text()

    const mismatch = await fetch(authorizeUrl(gh, { redirect_uri: 'http://evil.example/cb', state: 'x' }), {
      redirect: 'manual',
    })
    const location = new URL(mismatch.headers.get('location') ?? '')
    expect(location.origin + location.pathname).toBe(CALLBACK)
    expect(location.searchParams.get('error')).toBe('redirect_uri_mismatch')
    expect(location.searchParams.get('state')).toBe('x')

    const cancelled = await consent(gh, { state: 'c' }, 'octocat', 'cancel')
    expect(cancelled.searchParams.get('error')).toBe('access_denied')
    expect(cancelled.searchParams.get('state')).toBe('c')
    expect(cancelled.searchParams.has('code')).toBe(false)
    expect(gh.authorizations.at(-1)?.status).toBe('denied')
  })

  it('guards the API like GitHub: auth, scopes and User-Agent', async () => {
    const ua = { 'user-agent': 'test' }
    expect((await fetch(gh.userUrl, { headers: ua })).status).toBe(401)
    const bad = await fetch(gh.userUrl, { headers: { ...ua, authorization: 'Bearer gho_nope' } })
    expect(await bad.json()).toMatchObject({ message: 'Bad credentials' })

    const readOnly = gh.createToken('octocat', ['read:user'])
    const emails = await fetch(gh.emailsUrl, { headers: { ...ua, authorization: `Bearer ${readOnly}` } })
    expect(emails.status).toBe(404)
    await emails.text()

    const token = gh.createToken('octocat')
    const status = await new Promise<number | undefined>((resolve, reject) => {
      // node:http sends no User-Agent unless told to, unlike fetch.
      const req = httpRequest(gh.userUrl, { headers: { authorization: `Bearer ${token}` } }, (res) => {
        res.resume()
        resolve(res.statusCode)
      })
      req.once('error', reject)
      req.end()
    })
    expect(status).toBe(403)
  })
})
