import { sql } from 'kysely'
import type { Db } from '../db/database.ts'

export type RateLimitRule = { limit: number; windowMs: number }
export type RateLimitResult = { allowed: boolean; retryAfterSeconds: number }

/**
 * Windows that open at a key's first hit, counted in the database: limits hold across restarts and are shared
 * by every replica of the control plane. One atomic upsert per hit.
 */
export class RateLimiter {
  readonly #db: Db
  constructor(db: Db) {
    this.#db = db
  }

  async hit(key: string, rule: RateLimitRule, now = Date.now()): Promise<RateLimitResult> {
    const windowOpen = now - rule.windowMs
    const result = await sql<{ count: number; window_start: number }>`
      INSERT INTO rate_limits (key, window_start, count) VALUES (${key}, ${now}, 1)
      ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN rate_limits.window_start > ${windowOpen} THEN rate_limits.count + 1 ELSE 1 END,
        window_start = CASE WHEN rate_limits.window_start > ${windowOpen}
          THEN rate_limits.window_start ELSE excluded.window_start END
      RETURNING count, window_start`.execute(this.#db)
    const row = result.rows[0] ?? { count: 1, window_start: now }
    return {
      allowed: Number(row.count) <= rule.limit,
      retryAfterSeconds: Math.max(1, Math.ceil((Number(row.window_start) + rule.windowMs - now) / 1000)),
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
