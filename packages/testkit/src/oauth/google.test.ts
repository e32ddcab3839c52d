// The Google stand-in over real sockets, driven with plain fetch the way an OIDC client drives Google:
// discovery → authorize → consent → code → token exchange with PKCE → ID token checked against the JWKS →
// userinfo → refresh.
import { createHash, createPublicKey, type JsonWebKey, randomBytes, verify } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type GoogleOAuth, startGoogleOAuth } from '../index.ts'

const CALLBACK = 'http://127.0.0.1:9/api/auth/callback/google'

function pkce() {
  const verifier = randomBytes(32).toString('base64url')
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
}

function authorizeUrl(g: GoogleOAuth, params: Record<string, string>) {
  const url = new URL(g.authorizeUrl)
  const defaults = {
    response_type: 'code',
    client_id: g.clientId,
    redirect_uri: CALLBACK,
    scope: 'openid email profile',
  }
  for (const [k, v] of Object.entries({ ...defaults, ...params })) url.searchParams.set(k, v)
  return url.href
}

async function consent(
  g: GoogleOAuth,
  params: Record<string, string>,
  account: string,
  decision = 'authorize',
) {
  const page = await fetch(authorizeUrl(g, params), { redirect: 'manual' })
  expect(page.status).toBe(200)
  const requestId = /name="request" value="([^"]+)"/.exec(await page.text())?.[1] ?? ''
  const res = await fetch(g.authorizeUrl, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({ request: requestId, account, decision }),
  })
  expect(res.status).toBe(302)
  return new URL(res.headers.get('location') ?? '')
}

function exchange(g: GoogleOAuth, fields: Record<string, string>) {
  return fetch(g.tokenUrl, {
    method: 'POST',
    headers: { accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: g.clientId,
      client_secret: g.clientSecret,
      redirect_uri: CALLBACK,
      ...fields,
    }),
  })
}

async function codeFor(g: GoogleOAuth, params: Record<string, string> = {}, account = 'alice@example.com') {
  const { verifier, challenge } = pkce()
  const callback = await consent(
    g,
    { code_challenge: challenge, code_challenge_method: 'S256', ...params },
    account,
  )
  return { code: callback.searchParams.get('code') ?? '', verifier }
}

/** Verifies an RS256 JWT against a JWKS with node:crypto alone; returns its header and claims. */
async function verifyJwt(g: GoogleOAuth, jwt: string) {
  const [header = '', payload = '', signature = ''] = jwt.split('.')
  const decode = (part: string) =>
    JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>
  const { keys } = (await (await fetch(g.jwksUrl)).json()) as { keys: { kid: string }[] }
  const jwk = keys.find((k) => k.kid === decode(header).kid)
  expect(jwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' })
  const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' })
  expect(
    verify('sha256', Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url')),
  ).toBe(true)
  return { header: decode(header), claims: decode(payload) }
}

let g: GoogleOAuth
beforeAll(async () => {
  g = await startGoogleOAuth({
    redirectUris: [CALLBACK],
    users: [
      { email: 'alice@example.com', name: 'Alice Example' },
      { email: 'bob@corp.example', name: 'Bob Builder', sub: '1234567890', hostedDomain: 'corp.example' },
    ],
  })
})
afterAll(() => g.close())

describe('Google OAuth stand-in', () => {
  it('serves an OIDC discovery document for itself', async () => {
    const doc = (await (await fetch(g.discoveryUrl)).json()) as Record<string, unknown>
    expect(doc).toMatchObject({
      issuer: g.url,
      authorization_endpoint: g.authorizeUrl,
      token_endpoint: g.tokenUrl,
      userinfo_endpoint: g.userinfoUrl,
      jwks_uri: g.jwksUrl,
      id_token_signing_alg_values_supported: ['RS256'],
      code_challenge_methods_supported: ['plain', 'S256'],
    })
  })

  it('runs the whole flow: consent, code, PKCE exchange, signed ID token, userinfo, refresh', async () => {
    const before = { ...g.counts }
    const { verifier, challenge } = pkce()
    const params = {
      state: 'st-1',
      nonce: 'n-0S6_WzA2Mj',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      access_type: 'offline',
    }
    const page = await (await fetch(authorizeUrl(g, params), { redirect: 'manual' })).text()
    expect(page).toContain('Sign in to Google as <span id="account-name">alice@example.com</span>')
    const callback = await consent(g, params, 'bob@corp.example')
    expect(callback.origin + callback.pathname).toBe(CALLBACK)
    expect(callback.searchParams.get('state')).toBe('st-1')
    expect(callback.searchParams.get('iss')).toBe(g.issuer)
    expect(callback.searchParams.get('scope')).toBe(
      'openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile',
    )

    const res = await exchange(g, { code: callback.searchParams.get('code') ?? '', code_verifier: verifier })
    expect(res.status).toBe(200)
    const tokens = (await res.json()) as Record<string, unknown>
    expect(tokens).toMatchObject({
      access_token: expect.stringMatching(/^ya29\./),
      expires_in: 3599,
      refresh_token: expect.any(String),
      token_type: 'Bearer',
      id_token: expect.any(String),
    })

    const { header, claims } = await verifyJwt(g, String(tokens.id_token))
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT' })
    expect(claims).toMatchObject({
      iss: g.issuer,
      aud: g.clientId,
      azp: g.clientId,
      sub: '1234567890',
      hd: 'corp.example',
      email: 'bob@corp.example',
      email_verified: true,
      name: 'Bob Builder',
      given_name: 'Bob',
      family_name: 'Builder',
      picture: `${g.url}/a/1234567890`,
      nonce: 'n-0S6_WzA2Mj',
    })
    expect(Number(claims.exp) - Number(claims.iat)).toBe(3600)
    const atHash = createHash('sha256').update(String(tokens.access_token)).digest().subarray(0, 16)
    expect(claims.at_hash).toBe(atHash.toString('base64url'))

    const info = await fetch(g.userinfoUrl, { headers: { authorization: `Bearer ${tokens.access_token}` } })
    expect(await info.json()).toEqual({
      sub: '1234567890',
      hd: 'corp.example',
      email: 'bob@corp.example',
      email_verified: true,
      name: 'Bob Builder',
      picture: `${g.url}/a/1234567890`,
      given_name: 'Bob',
      family_name: 'Builder',
    })

    // A refresh with client_secret_basic: new access and ID tokens, no new refresh token, no nonce.
    const refreshed = await fetch(g.tokenUrl, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${g.clientId}:${g.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: String(tokens.refresh_token) }),
    })
    const next = (await refreshed.json()) as Record<string, unknown>
    expect(next.refresh_token).toBeUndefined()
    expect(next.access_token).not.toBe(tokens.access_token)
    expect((await verifyJwt(g, String(next.id_token))).claims.nonce).toBeUndefined()

    expect(g.counts).toMatchObject({
      authorize: before.authorize + 2,
      consent: before.consent + 1,
      token: before.token + 2,
      userinfo: before.userinfo + 1,
    })
  })

  it('auto-approves as the next user, and limits claims to the granted scopes', async () => {
    const auto = await startGoogleOAuth({
      autoApprove: true,
      users: [{ email: 'a@x.example' }, { email: 'b@x.example', name: 'Bea Second' }],
    })
    try {
      auto.setNextUser('b@x.example')
      const redirect = await fetch(
        authorizeUrl(auto, { scope: 'openid email', redirect_uri: 'http://localhost:1/cb' }),
        { redirect: 'manual' },
      )
      expect(redirect.status).toBe(302)
      const code = new URL(redirect.headers.get('location') ?? '').searchParams.get('code') ?? ''
      const res = await fetch(auto.tokenUrl, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          client_id: auto.clientId,
          client_secret: auto.clientSecret,
          redirect_uri: 'http://localhost:1/cb',
        }),
      })
      const tokens = (await res.json()) as Record<string, unknown>
      expect(tokens.refresh_token).toBeUndefined()
      const { claims } = await verifyJwt(auto, String(tokens.id_token))
      expect(claims).toMatchObject({ email: 'b@x.example', email_verified: true, iss: auto.issuer })
      expect(claims.name).toBeUndefined()
      const info = await fetch(auto.userinfoUrl, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      })
      expect(await info.json()).toEqual({
        sub: auto.users[1]?.sub,
        email: 'b@x.example',
        email_verified: true,
      })
    } finally {
      await auto.close()
    }
  })

  it('answers token errors in Google shape', async () => {
    const expectError = async (res: Response, status: number, error: string, description?: string) => {
      expect(res.status).toBe(status)
      const body = await res.json()
      expect(body).toMatchObject({ error, error_description: description ?? expect.any(String) })
    }
    const { code, verifier } = await codeFor(g)
    await expectError(
      await exchange(g, { code, code_verifier: verifier, client_secret: 'wrong' }),
      401,
      'invalid_client',
    )
    await expectError(
      await exchange(g, { code, code_verifier: verifier, client_id: 'other' }),
      401,
      'invalid_client',
    )
    const ok = await exchange(g, { code, code_verifier: verifier })
    expect(ok.status).toBe(200)
    await ok.json()
    await expectError(await exchange(g, { code, code_verifier: verifier }), 400, 'invalid_grant')

    const wrongVerifier = await codeFor(g)
    await expectError(
      await exchange(g, { code: wrongVerifier.code, code_verifier: pkce().verifier }),
      400,
      'invalid_grant',
      'Invalid code verifier.',
    )
    const noVerifier = await codeFor(g)
    await expectError(
      await exchange(g, { code: noVerifier.code }),
      400,
      'invalid_grant',
      'Missing code verifier.',
    )
    const wrongRedirect = await codeFor(g)
    await expectError(
      await exchange(g, {
        code: wrongRedirect.code,
        code_verifier: wrongRedirect.verifier,
        redirect_uri: `${CALLBACK}x`,
      }),
      400,
      'redirect_uri_mismatch',
    )
    await expectError(await exchange(g, { grant_type: 'password' }), 400, 'unsupported_grant_type')
  })

  it('refuses bad authorize requests and reports a cancelled consent', async () => {
    const unknown = await fetch(authorizeUrl(g, { client_id: 'nope' }), { redirect: 'manual' })
    expect(unknown.status).toBe(401)
    expect(await unknown.text()).toContain('invalid_client')
    const mismatch = await fetch(authorizeUrl(g, { redirect_uri: 'http://evil.example/cb' }), {
      redirect: 'manual',
    })
    expect(mismatch.status).toBe(400)
    expect(await mismatch.text()).toContain('redirect_uri_mismatch')

    const cancelled = await consent(g, { state: 'c' }, 'alice@example.com', 'cancel')
    expect(Object.fromEntries(cancelled.searchParams)).toEqual({ error: 'access_denied', state: 'c' })
  })

  it('rejects userinfo calls without a live access token', async () => {
    expect((await fetch(g.userinfoUrl)).status).toBe(401)
    const bad = await fetch(g.userinfoUrl, { headers: { authorization: 'Bearer ya29.nope' } })
    expect(bad.status).toBe(401)
    expect(bad.headers.get('www-authenticate')).toContain('invalid_token')
    await bad.json()

    const shortLived = await startGoogleOAuth({ autoApprove: true, accessTokenLifetimeSeconds: 0 })
    try {
      const redirect = await fetch(authorizeUrl(shortLived, {}), { redirect: 'manual' })
      const code = new URL(redirect.headers.get('location') ?? '').searchParams.get('code') ?? ''
      const tokens = (await (
        await fetch(shortLived.tokenUrl, {
          method: 'POST',
          body: new URLSearchParams({
            grant_type: 'authorization_code',
            code,
            client_id: shortLived.clientId,
            client_secret: shortLived.clientSecret,
            redirect_uri: CALLBACK,
          }),
        })
      ).json()) as { access_token: string }
      const expired = await fetch(shortLived.userinfoUrl, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      })
      expect(expired.status).toBe(401)
      await expired.text()
    } finally {
      await shortLived.close()
    }
  })
})
