import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { type PanelAccess, PanelKind } from '@agent-ops/protocol'
import { z } from 'zod'
import type { Db } from '../db/database.ts'

/**
 * Panel credentials, signed with HMAC-SHA256 under a key derived from the installation's secret key:
 * - the token (60 s, single use) the app hands the browser, which POSTs it to the sandbox origin's exchange;
 * - the cookie (about 12 h) the exchange answers with, scoped to one panel's path on that origin.
 * Both are `<base64url JSON>.<base64url signature>`; `typ` keeps one from being used as the other.
 */

export const panelTokenTtlMs = 60_000
export const panelCookieTtlMs = 12 * 3600_000

const Grant = z.object({
  sid: z.string(),
  uid: z.string(),
  panel: PanelKind,
  port: z.number().int().min(1).max(65_535).optional(),
  access: z.enum(['full', 'view']),
  /** Expiry, epoch milliseconds. */
  exp: z.number(),
})
const TokenClaims = Grant.extend({ typ: z.literal('panel-token'), jti: z.string() })
const CookieClaims = Grant.extend({ typ: z.literal('panel-cookie') })
export type PanelGrant = z.output<typeof Grant>
export type PanelTokenClaims = z.output<typeof TokenClaims>

export type VerifyResult<T> =
  | { ok: true; claims: T }
  | { ok: false; why: 'malformed' | 'signature' | 'expired' | 'replayed' }

export class PanelTokens {
  readonly #key: Buffer
  readonly #db: Db
  readonly #now: () => number

  constructor(secretKey: Buffer, db: Db, now: () => number = Date.now) {
    this.#key = createHmac('sha256', secretKey).update('agent-ops panel credentials v1').digest()
    this.#db = db
    this.#now = now
  }

  /** A token for `grant`, valid for `ttlMs` (tests sign expired ones with a negative ttl). */
  mint(grant: Omit<PanelGrant, 'exp'>, ttlMs = panelTokenTtlMs): { token: string; expiresAt: Date } {
    const exp = this.#now() + ttlMs
    const claims: PanelTokenClaims = {
      ...grant,
      exp,
      typ: 'panel-token',
      jti: randomBytes(16).toString('base64url'),
    }
    return { token: this.#sign(claims), expiresAt: new Date(exp) }
  }

  /** Checks signature and expiry, then records the token's id: a second exchange of the same token is refused. */
  async redeem(token: string): Promise<VerifyResult<PanelTokenClaims>> {
    const result = this.#verify(token, TokenClaims)
    if (!result.ok) return result
    const now = this.#now()
    await this.#db.deleteFrom('panel_token_uses').where('expires_at', '<', now).execute()
    const inserted = await this.#db
      .insertInto('panel_token_uses')
      .values({ jti: result.claims.jti, expires_at: result.claims.exp })
      .onConflict((oc) => oc.column('jti').doNothing())
      .executeTakeFirst()
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return { ok: false, why: 'replayed' }
    return result
  }

  cookieValue(grant: Omit<PanelGrant, 'exp'>): { value: string; maxAgeSeconds: number } {
    const claims = { ...grant, exp: this.#now() + panelCookieTtlMs, typ: 'panel-cookie' as const }
    return { value: this.#sign(claims), maxAgeSeconds: panelCookieTtlMs / 1000 }
  }

  verifyCookie(value: string): VerifyResult<PanelGrant> {
    return this.#verify(value, CookieClaims)
  }

  #sign(claims: object): string {
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url')
    return `${payload}.${this.#mac(payload).toString('base64url')}`
  }

  #mac(payload: string): Buffer {
    return createHmac('sha256', this.#key).update(payload).digest()
  }

  #verify<T extends { exp: number }>(value: string, schema: z.ZodType<T>): VerifyResult<T> {
    const [payload, signature, extra] = value.split('.')
    if (!payload || !signature || extra !== undefined) return { ok: false, why: 'malformed' }
    const given = Buffer.from(signature, 'base64url')
    const expected = this.#mac(payload)
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return { ok: false, why: 'signature' }
    let parsed: unknown
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
    } catch {
      return { ok: false, why: 'malformed' }
    }
    const claims = schema.safeParse(parsed)
    if (!claims.success) return { ok: false, why: 'malformed' }
    if (claims.data.exp <= this.#now()) return { ok: false, why: 'expired' }
    return { ok: true, claims: claims.data }
  }
}

/** Cookie name per panel: `aops_panel_vscode`, `aops_panel_port_3000`. */
export const panelCookieName = (panel: PanelKind, port?: number) =>
  panel === 'port' ? `aops_panel_port_${port}` : `aops_panel_${panel}`

export const panelCookiePrefix = 'aops_panel_'

export const accessOfRole = (role: string): PanelAccess => (role === 'viewer' ? 'view' : 'full')
