import type { Db } from '../db/database.ts'
import { digestsEqual, generateToken, hashToken } from './tokens.ts'

const settingKey = 'admin_token_hash'

export type AdminTokenSetup = {
  /** Set only when this start generated the token: shown once, then never again. */
  generatedToken?: string
}

/**
 * Until accounts exist, one admin token guards the API. AGENT_OPS_ADMIN_TOKEN sets it; otherwise the first start
 * generates one. Only its keyed hash is stored.
 */
export async function setupAdminToken(
  db: Db,
  secretKey: Buffer,
  configured?: string,
): Promise<AdminTokenSetup> {
  const existing = await db
    .selectFrom('settings')
    .select('value')
    .where('key', '=', settingKey)
    .executeTakeFirst()
  let generatedToken: string | undefined
  let token = configured
  if (!token && !existing) token = generatedToken = generateToken('aops')
  if (token) {
    const value = hashToken(secretKey, token)
    await db
      .insertInto('settings')
      .values({ key: settingKey, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute()
  }
  return generatedToken ? { generatedToken } : {}
}

export async function loadAdminTokenHash(db: Db): Promise<string> {
  const row = await db
    .selectFrom('settings')
    .select('value')
    .where('key', '=', settingKey)
    .executeTakeFirstOrThrow()
  return row.value
}

export function isAdminToken(secretKey: Buffer, storedHash: string, presented: string): boolean {
  return digestsEqual(hashToken(secretKey, presented), storedHash)
}
