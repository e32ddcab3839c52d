import type { SessionRole, ShareLink } from '@agent-ops/protocol'
import type { Selectable } from 'kysely'
import type { Db } from '../db/database.ts'
import type { ShareLinksTable } from '../db/schema.ts'
import { DomainError, notFound } from '../errors.ts'
import { newId } from '../ids.ts'
import { generateToken, hashToken } from './tokens.ts'

type LinkRole = Exclude<SessionRole, 'owner'>

/** Share links: a token (kept only as a keyed hash) that makes whoever redeems it a participant, a bounded number of times before it expires. */
export class ShareLinks {
  readonly #db: Db
  readonly #secretKey: Buffer
  constructor(db: Db, secretKey: Buffer) {
    this.#db = db
    this.#secretKey = secretKey
  }

  async create(
    sessionId: string,
    createdBy: string,
    input: { role: LinkRole; expiresInHours: number; maxUses: number },
    now = new Date(),
  ): Promise<{ link: ShareLink; token: string }> {
    const token = generateToken('aops_shr')
    const row = {
      id: newId('shr'),
      session_id: sessionId,
      token_hash: hashToken(this.#secretKey, token),
      role: input.role,
      expires_at: new Date(now.getTime() + input.expiresInHours * 3600_000).toISOString(),
      max_uses: input.maxUses,
      uses: 0,
      created_by: createdBy,
      created_at: now.toISOString(),
      revoked_at: null,
    }
    await this.#db.insertInto('share_links').values(row).execute()
    return { link: toShareLink(row), token }
  }

  async list(sessionId: string): Promise<ShareLink[]> {
    const rows = await this.#db
      .selectFrom('share_links')
      .selectAll()
      .where('session_id', '=', sessionId)
      .orderBy('created_at', 'desc')
      .execute()
    return rows.map(toShareLink)
  }

  async revoke(sessionId: string, id: string, now = new Date()): Promise<ShareLink> {
    await this.#db
      .updateTable('share_links')
      .set({ revoked_at: now.toISOString() })
      .where('session_id', '=', sessionId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute()
    const row = await this.#db
      .selectFrom('share_links')
      .selectAll()
      .where('session_id', '=', sessionId)
      .where('id', '=', id)
      .executeTakeFirst()
    if (!row) throw notFound(`share link ${id}`)
    return toShareLink(row)
  }

  /**
   * Uses a link once: the use is counted by a conditional update, so concurrent redeemers can never exceed
   * max uses. Returns the session and the role granted.
   */
  async redeem(
    token: string,
    /** Throws when this person may not use links of that session (checked before the use is counted). */
    check: (sessionId: string) => Promise<void>,
    now = new Date(),
  ): Promise<{ sessionId: string; role: LinkRole; linkId: string }> {
    const at = now.toISOString()
    const row = await this.#db
      .selectFrom('share_links')
      .selectAll()
      .where('token_hash', '=', hashToken(this.#secretKey, token))
      .executeTakeFirst()
    if (!row || row.revoked_at) throw notFound('share link')
    if (row.expires_at <= at) throw new DomainError('gone', 'this share link has expired: ask for a new one')
    await check(row.session_id)
    const used = await this.#db
      .updateTable('share_links')
      .set((eb) => ({ uses: eb('uses', '+', 1) }))
      .where('id', '=', row.id)
      .where('uses', '<', row.max_uses)
      .where('revoked_at', 'is', null)
      .executeTakeFirst()
    if (Number(used.numUpdatedRows) === 0)
      throw new DomainError('gone', 'this share link has been used its maximum number of times')
    return { sessionId: row.session_id, role: row.role as LinkRole, linkId: row.id }
  }
}

function toShareLink(row: Selectable<ShareLinksTable>): ShareLink {
  return {
    id: row.id,
    role: row.role as LinkRole,
    expiresAt: row.expires_at,
    maxUses: row.max_uses,
    uses: row.uses,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  }
}
