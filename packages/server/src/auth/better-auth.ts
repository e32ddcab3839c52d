import { createHmac } from 'node:crypto'
import type { SignInMethod } from '@agent-ops/protocol'
import { betterAuth } from 'better-auth'
import { APIError } from 'better-auth/api'
import { type GenericOAuthConfig, genericOAuth } from 'better-auth/plugins'
import type { Db } from '../db/database.ts'
import type { Logger } from '../logger.ts'

export type OAuthSettings = {
  github?: { clientId: string; clientSecret: string; baseUrl: string }
  google?: { clientId: string; clientSecret: string; issuer: string }
}

export type AuthOptions = {
  db: Db
  secretKey: Buffer
  /** The URL people reach the app at: cookies, OAuth redirects and the trusted origin derive from it. */
  baseUrl: string
  /** Origins whose pages may call the sign-in endpoints. */
  trustedOrigins: string[]
  password: boolean
  oauth: OAuthSettings
  sessionTtlSeconds: number
  /** Called once a new user row exists (first-user-owner rule, invites, allowed domains). */
  onUserCreated(user: { id: string; email: string; name: string }): Promise<void>
  /** Returns a reason to refuse a sign-in (deactivated account), or undefined. */
  refuseSignIn(userId: string): Promise<string | undefined>
  onSignIn(user: { userId: string; ip: string | undefined }): Promise<void>
  logger: Logger
}

/** GitHub.com keeps its API on another host; GitHub Enterprise Server serves it under /api/v3. */
export function githubApiUrl(baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, '')
  return /^https:\/\/github\.com$/i.test(base) ? 'https://api.github.com' : `${base}/api/v3`
}

type GitHubEmail = { email: string; primary: boolean; verified: boolean }

function githubProvider(s: NonNullable<OAuthSettings['github']>): GenericOAuthConfig {
  const base = s.baseUrl.replace(/\/+$/, '')
  const api = githubApiUrl(base)
  return {
    providerId: 'github',
    name: 'GitHub',
    clientId: s.clientId,
    clientSecret: s.clientSecret,
    authorizationUrl: `${base}/login/oauth/authorize`,
    tokenUrl: `${base}/login/oauth/access_token`,
    scopes: ['read:user', 'user:email'],
    // GitHub's profile hides private emails: the verified primary one comes from /user/emails.
    getUserInfo: async (tokens) => {
      const headers = {
        authorization: `Bearer ${tokens.accessToken}`,
        accept: 'application/vnd.github+json',
        'user-agent': 'agent-ops',
      }
      const profileResponse = await fetch(`${api}/user`, { headers })
      if (!profileResponse.ok) return null
      const profile = (await profileResponse.json()) as {
        id: number
        login: string
        name: string | null
        email: string | null
        avatar_url?: string
      }
      const emailsResponse = await fetch(`${api}/user/emails`, { headers })
      const emails = emailsResponse.ok ? ((await emailsResponse.json()) as GitHubEmail[]) : []
      const primary = emails.find((e) => e.primary && e.verified) ?? emails.find((e) => e.verified)
      const email = primary?.email ?? profile.email
      if (!email) return null
      return {
        id: String(profile.id),
        name: profile.name || profile.login,
        email,
        image: profile.avatar_url,
        emailVerified: Boolean(primary?.verified),
      }
    },
  }
}

function googleProvider(s: NonNullable<OAuthSettings['google']>): GenericOAuthConfig {
  return {
    providerId: 'google',
    name: 'Google',
    clientId: s.clientId,
    clientSecret: s.clientSecret,
    discoveryUrl: `${s.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`,
    requireIdTokenVerification: true,
    scopes: ['openid', 'email', 'profile'],
  }
}

export function enabledSignInMethods(options: Pick<AuthOptions, 'password' | 'oauth'>): SignInMethod[] {
  const methods: SignInMethod[] = []
  if (options.password) methods.push('password')
  if (options.oauth.github) methods.push('github')
  if (options.oauth.google) methods.push('google')
  return methods
}

/**
 * better-auth owns sign-in: password hashing (scrypt), OAuth (state, PKCE, code exchange), browser sessions and
 * their cookies. Its tables are created by our versioned migration 0002; rate limiting is ours (stored, shared by
 * replicas) and applied in front of it.
 */
export function createAuth(options: AuthOptions) {
  const secure = options.baseUrl.startsWith('https://')
  const providers: GenericOAuthConfig[] = []
  if (options.oauth.github) providers.push(githubProvider(options.oauth.github))
  if (options.oauth.google) providers.push(googleProvider(options.oauth.google))
  return betterAuth({
    appName: 'Agent Ops',
    baseURL: options.baseUrl,
    basePath: '/api/auth',
    // A key of its own, derived from the data directory's secret key.
    secret: createHmac('sha256', options.secretKey).update('better-auth').digest('hex'),
    database: { db: options.db, type: 'sqlite' },
    telemetry: { enabled: false },
    trustedOrigins: options.trustedOrigins,
    emailAndPassword: {
      enabled: options.password,
      minPasswordLength: 10,
      maxPasswordLength: 200,
      autoSignIn: true,
    },
    user: {
      modelName: 'users',
      additionalFields: { deactivatedAt: { type: 'date', required: false, input: false } },
    },
    session: {
      modelName: 'auth_sessions',
      expiresIn: options.sessionTtlSeconds,
      updateAge: Math.min(24 * 3600, Math.floor(options.sessionTtlSeconds / 2)),
      // No cookie cache: a revoked session or a deactivated user is refused on the very next request.
      cookieCache: { enabled: false },
    },
    account: {
      modelName: 'accounts',
      // An OAuth sign-in joins an existing account only when the provider vouches for the email.
      accountLinking: { enabled: true },
    },
    verification: { modelName: 'verifications' },
    rateLimit: { enabled: false },
    advanced: {
      useSecureCookies: secure,
      cookiePrefix: 'agent-ops',
      defaultCookieAttributes: { httpOnly: true, sameSite: 'lax', secure },
    },
    logger: {
      log: (level, message) => {
        if (level === 'error') options.logger.error({ component: 'auth' }, message)
        else if (level === 'warn') options.logger.warn({ component: 'auth' }, message)
      },
    },
    databaseHooks: {
      user: {
        create: {
          after: async (user) => options.onUserCreated({ id: user.id, email: user.email, name: user.name }),
        },
      },
      session: {
        create: {
          before: async (session) => {
            const reason = await options.refuseSignIn(session.userId)
            if (reason) throw new APIError('FORBIDDEN', { message: reason })
          },
          after: async (session) =>
            options.onSignIn({ userId: session.userId, ip: session.ipAddress ?? undefined }),
        },
      },
    },
    plugins: providers.length > 0 ? [genericOAuth({ config: providers })] : [],
  })
}

export type Auth = ReturnType<typeof createAuth>
