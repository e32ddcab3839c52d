import type { ApiKey, ApiKeyScope } from '@agent-ops/protocol'
import type { Db } from '../db/database.ts'
import type { ApiKeysTable } from '../db/schema.ts'
import { notFound } from '../errors.ts'
import { newId } from '../ids.ts'
import { digestsEqual, generateToken, hashToken } from './tokens.ts'

/** Every key starts with this, so leaked keys are easy to find with secret scanners. */
export const apiKeyPrefix = 'aops_key'

export type VerifiedKey = { keyId: string; userId: string; scopes: ApiKeyScope[] }

/** Using a key records `last_used_at`, at most this often per key (no write per request). */
const lastUsedResolutionMs = 60_000

/**
 * API keys: shown once, stored as an HMAC under the server's secret key (the database alone cannot produce a
 * usable key), looked up by that digest and compared in constant time.
 */
export class ApiKeys {
  readonly #db: Db
  readonly #secretKey: Buffer
  constructor(db: Db, secretKey: Buffer) {
    this.#db = db
    this.#secretKey = secretKey
  }

  async create(
    userId: string,
    input: { name: string; scopes: ApiKeyScope[]; expiresInDays: number | null },
    now = new Date(),
  ): Promise<{ key: string; apiKey: ApiKey }> {
    const key = generateToken(apiKeyPrefix)
    const row: ApiKeysTable = {
      id: newId('key'),
      user_id: userId,
      name: input.name,
      prefix: key.slice(0, apiKeyPrefix.length + 7),
      key_hash: hashToken(this.#secretKey, key),
      scopes: [...new Set(input.scopes)].join(','),
      created_at: now.toISOString(),
      expires_at:
        input.expiresInDays === null
          ? null
          : new Date(now.getTime() + input.expiresInDays * 86_400_000).toISOString(),
      last_used_at: null,
      revoked_at: null,
    }
    await this.#db.insertInto('api_keys').values(row).execute()
    return { key, apiKey: toApiKey(row) }
  }

  async list(userId: string): Promise<ApiKey[]> {
    const rows = await this.#db
      .selectFrom('api_keys')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .execute()
    return rows.map(toApiKey)
  }

  async revoke(userId: string, id: string, now = new Date()): Promise<ApiKey> {
    await this.#db
      .updateTable('api_keys')
      .set({ revoked_at: now.toISOString() })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .execute()
    const row = await this.#db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst()
    if (!row) throw notFound(`API key ${id}`)
    return toApiKey(row)
  }

  async revokeAllOf(userId: string, now = new Date()): Promise<number> {
    const result = await this.#db
      .updateTable('api_keys')
      .set({ revoked_at: now.toISOString() })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst()
    return Number(result.numUpdatedRows)
  }

  /** The key's owner and scopes, or undefined for an unknown, revoked or expired key. */
  async verify(presented: string, now = new Date()): Promise<VerifiedKey | undefined> {
    if (!presented.startsWith(`${apiKeyPrefix}_`)) return undefined
    const digest = hashToken(this.#secretKey, presented)
    const row = await this.#db
      .selectFrom('api_keys')
      .selectAll()
      .where('key_hash', '=', digest)
      .executeTakeFirst()
    // The index lookup is by digest; the constant-time compare makes the final decision independent of timing.
    if (!row || !digestsEqual(row.key_hash, digest)) return undefined
    if (row.revoked_at) return undefined
    if (row.expires_at && row.expires_at <= now.toISOString()) return undefined
    if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) > lastUsedResolutionMs)
      await this.#db
        .updateTable('api_keys')
        .set({ last_used_at: now.toISOString() })
        .where('id', '=', row.id)
        .execute()
    return { keyId: row.id, userId: row.user_id, scopes: row.scopes.split(',') as ApiKeyScope[] }
  }
}

function toApiKey(row: ApiKeysTable): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes.split(',') as ApiKeyScope[],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  }
}
