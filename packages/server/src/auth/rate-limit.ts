import { sql } from 'kysely'
import type { Db } from '../db/database.ts'

export type RateLimitRule = { limit: number; windowMs: number }
export type RateLimitResult = { allowed: boolean; retryAfterSeconds: number }

/**
 * Fixed-window counters in the database: limits hold across restarts and are shared by every replica of the
 * control plane. One atomic upsert per hit.
 */
export class RateLimiter {
  readonly #db: Db
  constructor(db: Db) {
    this.#db = db
  }

  async hit(key: string, rule: RateLimitRule, now = Date.now()): Promise<RateLimitResult> {
    const windowStart = now - (now % rule.windowMs)
    const row = await sql<{ count: number }>`
      INSERT INTO rate_limits (key, window_start, count) VALUES (${key}, ${windowStart}, 1)
      ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.count + 1 ELSE 1 END,
        window_start = excluded.window_start
      RETURNING count`.execute(this.#db)
    const count = Number(row.rows[0]?.count ?? 1)
    return {
      allowed: count <= rule.limit,
      retryAfterSeconds: Math.max(1, Math.ceil((windowStart + rule.windowMs - now) / 1000)),
    }
  }

  /** Drops windows that ended long ago, so the table stays small. */
  async prune(olderThanMs: number, now = Date.now()): Promise<void> {
    await this.#db
      .deleteFrom('rate_limits')
      .where('window_start', '<', now - olderThanMs)
      .execute()
  }
}
