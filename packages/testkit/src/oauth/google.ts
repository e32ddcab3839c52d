// Google as an OpenID Connect provider, every endpoint on one loopback origin that is also the issuer:
// GET /.well-known/openid-configuration, GET|POST /o/oauth2/v2/auth, POST /token, GET /oauth2/v3/certs,
// GET /v1/userinfo. ID tokens are real RS256 JWTs signed with a key generated at start, so a client that
// verifies them against the JWKS (better-auth's genericOAuth with discovery does) runs unchanged.
import { type Context, Hono } from 'hono'
import { consentHtml, errorHtml } from './consent.ts'
import { accessTokenHash, createSigner } from './jwt.ts'
import {
  type Authorization,
  AuthorizationStore,
  avatarSvg,
  bearerToken,
  clientCredentials,
  listen,
  type OAuthServerOptions,
  pkceMatches,
  randomToken,
  readParams,
  redirectAllowed,
  withQuery,
} from './shared.ts'

export type GoogleUserOptions = {
  email: string
  /** The stable account id; defaults to a distinct 21-digit number per user, like Google's. */
  sub?: string
  name?: string
  givenName?: string
  familyName?: string
  /** Default: an avatar served by the stand-in. */
  picture?: string
  emailVerified?: boolean
  /** Google Workspace domain, sent as the `hd` claim. */
  hostedDomain?: string
}

export type GoogleUser = {
  email: string
  sub: string
  name: string
  givenName: string
  familyName: string
  picture: string | undefined
  emailVerified: boolean
  hostedDomain: string | undefined
}

export type GoogleOAuthOptions = OAuthServerOptions & {
  /** Default: one user, alice@example.com. The first user is the default account on the consent page. */
  users?: GoogleUserOptions[]
  /** Access token lifetime (expires_in); Google's is 3599. */
  accessTokenLifetimeSeconds?: number
}

export type GoogleEndpoint = 'discovery' | 'authorize' | 'consent' | 'token' | 'jwks' | 'userinfo'

export type GoogleOAuth = {
  /** http://127.0.0.1:PORT, also the ID tokens' `iss`. */
  url: string
  issuer: string
  discoveryUrl: string
  authorizeUrl: string
  tokenUrl: string
  userinfoUrl: string
  jwksUrl: string
  clientId: string
  clientSecret: string
  /** Registered redirect URIs; may be filled in after start. Empty: any http(s) redirect_uri is accepted. */
  redirectUris: string[]
  users: GoogleUser[]
  /** Every authorization request, newest last. */
  authorizations: Authorization[]
  /** Requests received per endpoint, so a test can tell the flow really went through here. */
  counts: Record<GoogleEndpoint, number>
  /** The account (by email) the next authorization preselects (autoApprove: signs in as). One-shot. */
  setNextUser(email: string): void
  close(): Promise<void>
}

const DEFAULT_USERS: GoogleUserOptions[] = [{ email: 'alice@example.com', name: 'Alice Example' }]

/** Google answers with the long forms of the `email` and `profile` scopes. */
const SCOPE_URLS: Record<string, string> = {
  email: 'https://www.googleapis.com/auth/userinfo.email',
  profile: 'https://www.googleapis.com/auth/userinfo.profile',
}

function resolveUsers(users: GoogleUserOptions[]): GoogleUser[] {
  return users.map((u, i) => {
    const name = u.name ?? u.email.split('@')[0] ?? u.email
    const [first = name, ...rest] = name.split(' ')
    return {
      email: u.email,
      sub: u.sub ?? String(100_000_000_000_000_000_000n + BigInt(i + 1)),
      name,
      givenName: u.givenName ?? first,
      familyName: u.familyName ?? rest.join(' '),
      picture: u.picture,
      emailVerified: u.emailVerified ?? true,
      hostedDomain: u.hostedDomain,
    }
  })
}

type IssuedToken = { email: string; scopes: string[]; clientId: string; expiresAtMs: number }

export async function startGoogleOAuth(opts: GoogleOAuthOptions = {}): Promise<GoogleOAuth> {
  const clientId = opts.clientId ?? 'testkit-client.apps.googleusercontent.com'
  const clientSecret = opts.clientSecret ?? 'GOCSPX-testkit-secret'
  const lifetimeSeconds = opts.accessTokenLifetimeSeconds ?? 3599
  const redirectUris = [...(opts.redirectUris ?? [])]
  const users = resolveUsers(opts.users ?? DEFAULT_USERS)
  const signer = await createSigner()
  const store = new AuthorizationStore()
  const accessTokens = new Map<string, IssuedToken>()
  const refreshTokens = new Map<string, Omit<IssuedToken, 'expiresAtMs'>>()
  const counts: Record<GoogleEndpoint, number> = {
    discovery: 0,
    authorize: 0,
    consent: 0,
    token: 0,
    jwks: 0,
    userinfo: 0,
  }
  let nextUser: string | undefined
  let issuer = ''

  const findUser = (email: string | undefined) =>
    users.find((u) => u.email.toLowerCase() === (email ?? '').toLowerCase())
  const pictureOf = (u: GoogleUser) => u.picture ?? `${issuer}/a/${u.sub}`
  const grantedScope = (scopes: string[]) => scopes.map((s) => SCOPE_URLS[s] ?? s).join(' ')
  const has = (scopes: string[], short: string) =>
    scopes.includes(short) || (SCOPE_URLS[short] !== undefined && scopes.includes(SCOPE_URLS[short]))

  /** Claims of the ID token and the userinfo answer alike: email and profile claims only with their scopes. */
  const userClaims = (u: GoogleUser, scopes: string[]) => ({
    sub: u.sub,
    ...(u.hostedDomain ? { hd: u.hostedDomain } : {}),
    ...(has(scopes, 'email') ? { email: u.email, email_verified: u.emailVerified } : {}),
    ...(has(scopes, 'profile')
      ? { name: u.name, picture: pictureOf(u), given_name: u.givenName, family_name: u.familyName }
      : {}),
  })

  const issueTokens = (u: GoogleUser, scopes: string[], nonce: string | undefined, offline: boolean) => {
    const accessToken = `ya29.${randomToken(48)}`
    accessTokens.set(accessToken, {
      email: u.email,
      scopes,
      clientId,
      expiresAtMs: Date.now() + lifetimeSeconds * 1000,
    })
    const now = Math.floor(Date.now() / 1000)
    const body: Record<string, string | number> = { access_token: accessToken, expires_in: lifetimeSeconds }
    if (offline) {
      const refreshToken = `1//${randomToken(48)}`
      refreshTokens.set(refreshToken, { email: u.email, scopes, clientId })
      body.refresh_token = refreshToken
    }
    body.scope = grantedScope(scopes)
    body.token_type = 'Bearer'
    if (scopes.includes('openid')) {
      body.id_token = signer.sign({
        iss: issuer,
        azp: clientId,
        aud: clientId,
        ...userClaims(u, scopes),
        at_hash: accessTokenHash(accessToken),
        ...(nonce ? { nonce } : {}),
        iat: now,
        exp: now + 3600,
      })
    }
    return body
  }

  const approve = (c: Context, auth: Authorization, email: string) =>
    c.redirect(
      withQuery(auth.redirectUri, {
        state: auth.state,
        // RFC 9207: the issuer rides along with the code; better-auth compares it with the discovered issuer.
        iss: issuer,
        code: store.approve(auth, email, '4/0'),
        scope: grantedScope(auth.scopes),
        authuser: '0',
        prompt: 'consent',
      }),
      302,
    )

  const app = new Hono()

  app.get('/.well-known/openid-configuration', (c) => {
    counts.discovery++
    return c.json({
      issuer,
      authorization_endpoint: `${issuer}/o/oauth2/v2/auth`,
      token_endpoint: `${issuer}/token`,
      userinfo_endpoint: `${issuer}/v1/userinfo`,
      jwks_uri: `${issuer}/oauth2/v3/certs`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'email', 'profile'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      claims_supported: [
        'aud',
        'email',
        'email_verified',
        'exp',
        'family_name',
        'given_name',
        'iat',
        'iss',
        'name',
        'picture',
        'sub',
      ],
      code_challenge_methods_supported: ['plain', 'S256'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
    })
  })

  app.get('/oauth2/v3/certs', (c) => {
    counts.jwks++
    return c.json({ keys: [signer.jwk] })
  })

  app.get('/o/oauth2/v2/auth', (c) => {
    counts.authorize++
    const q = c.req.query()
    // Google never redirects to a client or redirect_uri it cannot vouch for: it shows an error page.
    const page = (status: 400 | 401, error: string, detail: string) =>
      c.html(errorHtml('Google', `Error ${status}: ${error}`, detail), status)
    if (q.client_id !== clientId) return page(401, 'invalid_client', 'The OAuth client was not found.')
    if (!q.redirect_uri || !redirectAllowed(redirectUris, q.redirect_uri)) {
      return page(400, 'redirect_uri_mismatch', `Invalid redirect_uri: ${q.redirect_uri ?? '(none)'}`)
    }
    if (!q.response_type) return page(400, 'invalid_request', 'Missing required parameter: response_type')
    if (!q.scope) return page(400, 'invalid_request', 'Missing required parameter: scope')
    const method = q.code_challenge ? (q.code_challenge_method ?? 'plain') : undefined
    if (method !== undefined && method !== 'S256' && method !== 'plain') {
      return page(400, 'invalid_request', `Invalid code_challenge_method: ${method}`)
    }
    if (q.response_type !== 'code') {
      return c.redirect(
        withQuery(q.redirect_uri, { error: 'unsupported_response_type', state: q.state }),
        302,
      )
    }
    const auth = store.create({
      clientId,
      redirectUri: q.redirect_uri,
      state: q.state,
      scopes: q.scope.split(' ').filter(Boolean),
      codeChallenge: q.code_challenge || undefined,
      codeChallengeMethod: method,
      nonce: q.nonce || undefined,
      params: q,
    })
    const preselected = findUser(q.login_hint) ?? findUser(nextUser) ?? users[0]
    nextUser = undefined
    if (!preselected) return c.html(errorHtml('Google', 'No accounts', 'The stand-in has no users.'), 500)
    if (opts.autoApprove) return approve(c, auth, preselected.email)
    return c.html(
      consentHtml({
        provider: 'Google',
        action: '/o/oauth2/v2/auth',
        requestId: auth.id,
        clientId,
        redirectUri: auth.redirectUri,
        scopes: auth.scopes,
        accounts: users.map((u) => ({
          value: u.email,
          label: u.email,
          detail: u.name,
          selected: u === preselected,
        })),
      }),
    )
  })

  app.post('/o/oauth2/v2/auth', async (c) => {
    counts.consent++
    const form = await c.req.parseBody()
    const auth = store.pending(String(form.request ?? ''))
    if (!auth)
      return c.html(errorHtml('Google', 'Error 400: invalid_request', 'This request has expired.'), 400)
    if (form.decision === 'cancel') {
      auth.status = 'denied'
      return c.redirect(withQuery(auth.redirectUri, { error: 'access_denied', state: auth.state }), 302)
    }
    const user = findUser(String(form.account ?? ''))
    if (!user) return c.html(errorHtml('Google', 'Error 400: invalid_request', 'Unknown account.'), 400)
    return approve(c, auth, user.email)
  })

  app.post('/token', async (c) => {
    counts.token++
    c.header('cache-control', 'no-cache, no-store, max-age=0, must-revalidate')
    c.header('pragma', 'no-cache')
    const params = await readParams(c)
    const fail = (status: 400 | 401, error: string, description: string) =>
      c.json({ error, error_description: description }, status)
    const client = clientCredentials(c, params)
    if (client.clientId !== clientId) return fail(401, 'invalid_client', 'The OAuth client was not found.')
    if (client.clientSecret !== clientSecret) return fail(401, 'invalid_client', 'Unauthorized')

    if (params.grant_type === 'refresh_token') {
      const grant = refreshTokens.get(params.refresh_token ?? '')
      const user = grant && findUser(grant.email)
      if (!grant || !user) return fail(400, 'invalid_grant', 'Token has been expired or revoked.')
      // A refresh answers a new access token and ID token, without a new refresh token and without a nonce.
      return c.json(issueTokens(user, grant.scopes, undefined, false))
    }
    if (params.grant_type !== 'authorization_code') {
      return fail(400, 'unsupported_grant_type', `Invalid grant_type: ${params.grant_type ?? ''}`)
    }
    const auth = store.redeem(params.code ?? '')
    const user = findUser(auth?.account)
    if (!auth || !user) return fail(400, 'invalid_grant', 'Bad Request')
    if (params.redirect_uri !== auth.redirectUri) return fail(400, 'redirect_uri_mismatch', 'Bad Request')
    if (auth.codeChallenge) {
      if (!params.code_verifier) return fail(400, 'invalid_grant', 'Missing code verifier.')
      if (!pkceMatches(auth, params.code_verifier))
        return fail(400, 'invalid_grant', 'Invalid code verifier.')
    }
    return c.json(issueTokens(user, auth.scopes, auth.nonce, auth.params.access_type === 'offline'))
  })

  app.get('/v1/userinfo', (c) => {
    counts.userinfo++
    const raw = bearerToken(c)
    const unauthorized = (error: string) => {
      c.header('www-authenticate', `Bearer realm="${issuer}", error="${error}"`)
      return c.json({ error, error_description: 'Invalid Credentials' }, 401)
    }
    if (!raw) return unauthorized('invalid_request')
    const token = accessTokens.get(raw)
    const user = token && token.expiresAtMs > Date.now() ? findUser(token.email) : undefined
    if (!token || !user) return unauthorized('invalid_token')
    return c.json(userClaims(user, token.scopes))
  })

  app.get('/a/:sub', (c) => {
    const user = users.find((u) => u.sub === c.req.param('sub'))
    return c.body(avatarSvg(user?.name ?? '?'), 200, { 'content-type': 'image/svg+xml' })
  })
  app.notFound((c) => c.json({ error: { code: 404, message: 'Not Found', status: 'NOT_FOUND' } }, 404))

  const server = await listen(app, opts)
  issuer = server.url
  return {
    url: server.url,
    issuer,
    discoveryUrl: `${issuer}/.well-known/openid-configuration`,
    authorizeUrl: `${issuer}/o/oauth2/v2/auth`,
    tokenUrl: `${issuer}/token`,
    userinfoUrl: `${issuer}/v1/userinfo`,
    jwksUrl: `${issuer}/oauth2/v3/certs`,
    clientId,
    clientSecret,
    redirectUris,
    users,
    authorizations: store.all,
    counts,
    setNextUser(email) {
      if (!findUser(email)) throw new Error(`No Google stand-in user with email ${email}`)
      nextUser = email
    },
    close: server.close,
  }
}
