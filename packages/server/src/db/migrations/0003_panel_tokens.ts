import type { Kysely } from 'kysely'

/**
 * Panel tokens are single use: the gateway records each token's id when it is exchanged for a cookie, in the
 * database so a replay is refused across restarts and replicas. Rows are pruned once the token has expired.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('panel_token_uses')
    .addColumn('jti', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'integer', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('panel_token_uses_expires_at_idx')
    .on('panel_token_uses')
    .column('expires_at')
    .execute()
}
