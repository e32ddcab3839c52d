// A GitHub OAuth app's view of GitHub, laid out like GitHub Enterprise Server so one base URL serves both the
// web flow and the REST API: GET|POST /login/oauth/authorize, POST /login/oauth/access_token,
// GET /api/v3/user, GET /api/v3/user/emails. Wire details (200-status token errors, form-encoded answers
// unless JSON is asked for, comma-joined scopes) follow github.com's documented behaviour.
import { randomBytes } from 'node:crypto'
import { type Context, Hono } from 'hono'
import { consentHtml, errorHtml } from './consent.ts'
import {
  type Authorization,
  AuthorizationStore,
  avatarSvg,
  bearerToken,
  clientCredentials,
  listen,
  type OAuthServerOptions,
  pkceMatches,
  readParams,
  redirectAllowed,
  withQuery,
} from './shared.ts'

export type GitHubUserOptions = {
  login: string
  /** Numeric account id; defaults to a distinct number per user. */
  id?: number
  name?: string | null
  /** The primary email. */
  email: string
  /** "Keep my email address private": GET /user answers `email: null`; /user/emails still lists it. */
  emailPrivate?: boolean
  /** Whether the primary email is verified (default true). */
  emailVerified?: boolean
  extraEmails?: { email: string; verified?: boolean }[]
}

export type GitHubUser = {
  login: string
  id: number
  name: string | null
  email: string
  emailPrivate: boolean
  emailVerified: boolean
  extraEmails: { email: string; verified: boolean }[]
}

export type GitHubOAuthOptions = OAuthServerOptions & {
  /** Default: one user, octocat. The first user is the default account on the consent page. */
  users?: GitHubUserOptions[]
}

export type GitHubEndpoint = 'authorize' | 'consent' | 'token' | 'user' | 'emails'

export type GitHubOAuth = {
  /** The GitHub Enterprise base URL, http://127.0.0.1:PORT */
  url: string
  /** `${url}/api/v3`, GitHub Enterprise's REST API root. */
  apiUrl: string
  authorizeUrl: string
  tokenUrl: string
  userUrl: string
  emailsUrl: string
  clientId: string
  clientSecret: string
  /** Registered callback URLs; may be filled in after start. Empty: any http(s) redirect_uri is accepted. */
  redirectUris: string[]
  users: GitHubUser[]
  /** Every authorization request, newest last. */
  authorizations: Authorization[]
  /** Requests received per endpoint, so a test can tell the flow really went through here. */
  counts: Record<GitHubEndpoint, number>
  /** The account the next authorization preselects (autoApprove: signs in as). One-shot. */
  setNextUser(login: string): void
  /** An access token for `login` without the web flow, for tests that only need the API. */
  createToken(login: string, scopes?: string[]): string
  close(): Promise<void>
}

const DOCS =
  'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors'
const TOKEN_ERRORS = {
  incorrect_client_credentials: 'The client_id and/or client_secret passed are incorrect.',
  bad_verification_code: 'The code passed is incorrect or expired.',
  redirect_uri_mismatch: 'The redirect_uri MUST match the registered callback URL for this application.',
  unsupported_grant_type: 'The grant type is not supported.',
} as const

const DEFAULT_USERS: GitHubUserOptions[] = [
  { login: 'octocat', id: 583231, name: 'The Octocat', email: 'octocat@github.com' },
]

function resolveUsers(users: GitHubUserOptions[]): GitHubUser[] {
  return users.map((u, i) => ({
    login: u.login,
    id: u.id ?? 1000 + i,
    name: u.name ?? null,
    email: u.email,
    emailPrivate: u.emailPrivate ?? false,
    emailVerified: u.emailVerified ?? true,
    extraEmails: (u.extraEmails ?? []).map((e) => ({ email: e.email, verified: e.verified ?? true })),
  }))
}

/** gho_ + 36 alphanumerics, the shape of a GitHub OAuth app user token. */
function newAccessToken(): string {
  return `gho_${randomBytes(36)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 36)}`
}

type IssuedToken = { login: string; scopes: string[]; clientId: string }

export async function startGitHubOAuth(opts: GitHubOAuthOptions = {}): Promise<GitHubOAuth> {
  const clientId = opts.clientId ?? 'Ov23litestkitgithub0'
  const clientSecret = opts.clientSecret ?? 'github-client-secret'
  const redirectUris = [...(opts.redirectUris ?? [])]
  const users = resolveUsers(opts.users ?? DEFAULT_USERS)
  const store = new AuthorizationStore()
  const tokens = new Map<string, IssuedToken>()
  const counts: Record<GitHubEndpoint, number> = { authorize: 0, consent: 0, token: 0, user: 0, emails: 0 }
  let nextUser: string | undefined
  let baseUrl = ''

  const findUser = (login: string | undefined) =>
    users.find((u) => u.login.toLowerCase() === (login ?? '').toLowerCase())
  const issueToken = (login: string, scopes: string[], forClient: string) => {
    const token = newAccessToken()
    tokens.set(token, { login, scopes, clientId: forClient })
    return token
  }
  const approve = (c: Context, auth: Authorization, login: string) =>
    c.redirect(withQuery(auth.redirectUri, { code: store.approve(auth, login), state: auth.state }), 302)

  const app = new Hono()

  app.get('/login/oauth/authorize', (c) => {
    counts.authorize++
    const q = c.req.query()
    // An unknown client gets GitHub's 404 page: there is no app whose callback could be trusted.
    if (q.client_id !== clientId) return c.html(errorHtml('GitHub', 'Not Found', 'No such application.'), 404)
    const redirectUri = q.redirect_uri ?? redirectUris[0]
    if (!redirectUri) return c.html(errorHtml('GitHub', 'Bad request', 'redirect_uri is required.'), 400)
    if (!redirectAllowed(redirectUris, redirectUri)) {
      // GitHub sends this error to the registered callback, never to the unregistered one.
      const registered = redirectUris[0]
      if (!registered) return c.html(errorHtml('GitHub', 'Bad request', 'Invalid redirect_uri.'), 400)
      return c.redirect(
        withQuery(registered, {
          error: 'redirect_uri_mismatch',
          error_description: TOKEN_ERRORS.redirect_uri_mismatch,
          error_uri: `${DOCS}#redirect-uri-mismatch`,
          state: q.state,
        }),
        302,
      )
    }
    if (q.code_challenge && (q.code_challenge_method ?? 'S256') !== 'S256') {
      // GitHub documents S256 as the only PKCE method; "plain" is refused.
      return c.redirect(
        withQuery(redirectUri, {
          error: 'invalid_request',
          error_description: 'code_challenge_method must be S256.',
          state: q.state,
        }),
        302,
      )
    }
    const auth = store.create({
      clientId,
      redirectUri,
      state: q.state,
      // GitHub takes scopes separated by spaces or commas.
      scopes: (q.scope ?? '').split(/[\s,]+/).filter(Boolean),
      codeChallenge: q.code_challenge || undefined,
      codeChallengeMethod: q.code_challenge ? 'S256' : undefined,
      nonce: undefined,
      params: q,
    })
    // `login` is GitHub's account hint; without one, the next user set by the test, then the first user.
    const preselected = findUser(q.login) ?? findUser(nextUser) ?? users[0]
    nextUser = undefined
    if (!preselected) return c.html(errorHtml('GitHub', 'No accounts', 'The stand-in has no users.'), 500)
    if (opts.autoApprove) return approve(c, auth, preselected.login)
    return c.html(
      consentHtml({
        provider: 'GitHub',
        action: '/login/oauth/authorize',
        requestId: auth.id,
        clientId,
        redirectUri,
        scopes: auth.scopes,
        accounts: users.map((u) => ({
          value: u.login,
          label: u.login,
          detail: u.name ?? u.email,
          selected: u === preselected,
        })),
      }),
    )
  })

  app.post('/login/oauth/authorize', async (c) => {
    counts.consent++
    const form = await c.req.parseBody()
    const auth = store.pending(String(form.request ?? ''))
    if (!auth) return c.html(errorHtml('GitHub', 'Bad request', 'This authorization has expired.'), 400)
    if (form.decision === 'cancel') {
      auth.status = 'denied'
      return c.redirect(
        withQuery(auth.redirectUri, {
          error: 'access_denied',
          error_description: 'The user has denied your application access.',
          error_uri:
            'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#access-denied',
          state: auth.state,
        }),
        302,
      )
    }
    const user = findUser(String(form.account ?? ''))
    if (!user) return c.html(errorHtml('GitHub', 'Bad request', 'Unknown account.'), 400)
    return approve(c, auth, user.login)
  })

  app.post('/login/oauth/access_token', async (c) => {
    counts.token++
    const params = await readParams(c)
    const wantsJson = (c.req.header('accept') ?? '').includes('application/json')
    const answer = (body: Record<string, string>) =>
      wantsJson
        ? c.json(body)
        : c.body(new URLSearchParams(body).toString(), 200, {
            'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
          })
    // GitHub answers token errors with HTTP 200; only the body says it failed.
    const fail = (error: keyof typeof TOKEN_ERRORS, description: string = TOKEN_ERRORS[error]) =>
      answer({ error, error_description: description, error_uri: `${DOCS}#${error.replaceAll('_', '-')}` })

    const client = clientCredentials(c, params)
    if (client.clientId !== clientId || client.clientSecret !== clientSecret) {
      return fail('incorrect_client_credentials')
    }
    if (params.grant_type && params.grant_type !== 'authorization_code') return fail('unsupported_grant_type')
    const auth = store.redeem(params.code ?? '')
    if (!auth || auth.clientId !== clientId || !auth.account) return fail('bad_verification_code')
    if (params.redirect_uri && params.redirect_uri !== auth.redirectUri) return fail('redirect_uri_mismatch')
    if (auth.codeChallenge && !pkceMatches(auth, params.code_verifier ?? '')) {
      return fail('bad_verification_code', 'The code_verifier does not match the code_challenge.')
    }
    const token = issueToken(auth.account, auth.scopes, clientId)
    return answer({ access_token: token, token_type: 'bearer', scope: auth.scopes.join(',') })
  })

  const api = new Hono<{ Variables: { token: IssuedToken; user: GitHubUser } }>()
  api.use(async function authenticate(c, next) {
    // GitHub refuses API calls without a User-Agent; a client that forgets it fails here as it would there.
    if (!c.req.header('user-agent')) {
      return c.text(
        'Request forbidden by administrative rules. Please make sure your request has a User-Agent header.',
        403,
      )
    }
    const raw = bearerToken(c, ['bearer', 'token'])
    if (!raw) return c.json(apiError('Requires authentication', 401), 401)
    const token = tokens.get(raw)
    const user = token && findUser(token.login)
    if (!token || !user) return c.json(apiError('Bad credentials', 401), 401)
    c.header('x-oauth-scopes', token.scopes.join(', '))
    c.header('x-github-media-type', 'github.v3; format=json')
    c.set('token', token)
    c.set('user', user)
    await next()
  })
  api.get('/user', (c) => {
    counts.user++
    c.header('x-accepted-oauth-scopes', '')
    return c.json(userJson(baseUrl, c.var.user))
  })
  api.get('/user/emails', (c) => {
    counts.emails++
    c.header('x-accepted-oauth-scopes', 'user, user:email')
    const { scopes } = c.var.token
    // Without the user:email (or user) scope GitHub answers 404, not 403.
    if (!scopes.includes('user') && !scopes.includes('user:email'))
      return c.json(apiError('Not Found', 404), 404)
    return c.json(emailsJson(c.var.user))
  })
  app.route('/api/v3', api)

  app.get('/avatars/u/:id', (c) => {
    const user = users.find((u) => String(u.id) === c.req.param('id'))
    return c.body(avatarSvg(user?.login ?? '?'), 200, { 'content-type': 'image/svg+xml' })
  })
  app.notFound((c) => c.json(apiError('Not Found', 404), 404))

  const server = await listen(app, opts)
  baseUrl = server.url
  return {
    url: server.url,
    apiUrl: `${server.url}/api/v3`,
    authorizeUrl: `${server.url}/login/oauth/authorize`,
    tokenUrl: `${server.url}/login/oauth/access_token`,
    userUrl: `${server.url}/api/v3/user`,
    emailsUrl: `${server.url}/api/v3/user/emails`,
    clientId,
    clientSecret,
    redirectUris,
    users,
    authorizations: store.all,
    counts,
    setNextUser(login) {
      if (!findUser(login)) throw new Error(`No GitHub stand-in user with login ${login}`)
      nextUser = login
    },
    createToken(login, scopes = ['read:user', 'user:email']) {
      if (!findUser(login)) throw new Error(`No GitHub stand-in user with login ${login}`)
      return issueToken(login, scopes, clientId)
    },
    close: server.close,
  }
}

function apiError(message: string, status: number) {
  return { message, documentation_url: 'https://docs.github.com/rest', status: String(status) }
}

/** GET /user for the authenticated user: GitHub's field names, `email` only when public. */
function userJson(baseUrl: string, u: GitHubUser) {
  const now = new Date(0).toISOString()
  return {
    login: u.login,
    id: u.id,
    // GitHub's legacy global node id is base64("04:User<id>").
    node_id: Buffer.from(`04:User${u.id}`).toString('base64'),
    avatar_url: `${baseUrl}/avatars/u/${u.id}?v=4`,
    gravatar_id: '',
    url: `${baseUrl}/api/v3/users/${u.login}`,
    html_url: `${baseUrl}/${u.login}`,
    type: 'User',
    site_admin: false,
    name: u.name,
    company: null,
    blog: '',
    location: null,
    email: u.emailPrivate ? null : u.email,
    hireable: null,
    bio: null,
    twitter_username: null,
    public_repos: 0,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: now,
    updated_at: now,
  }
}

/** GET /user/emails: primary first; only the primary carries a visibility; private users get a noreply address. */
function emailsJson(u: GitHubUser) {
  const emails = [
    {
      email: u.email,
      primary: true,
      verified: u.emailVerified,
      visibility: u.emailPrivate ? 'private' : 'public',
    },
    ...u.extraEmails.map((e) => ({ email: e.email, primary: false, verified: e.verified, visibility: null })),
  ]
  if (u.emailPrivate) {
    emails.push({
      email: `${u.id}+${u.login}@users.noreply.github.com`,
      primary: false,
      verified: true,
      visibility: null,
    })
  }
  return emails
}
