import type BetterSqlite3 from 'better-sqlite3'
import type { SqliteDatabase } from 'kysely'

/** Enough for every query the server has (each call site is one SQL text), with room for `IN (...)` lists. */
const DEFAULT_CAPACITY = 500

/**
 * better-sqlite3 with its statements kept, for Kysely. Kysely prepares every query it runs, and better-sqlite3
 * compiles the SQL on each prepare(): that costs more than running most of our queries (an event's append,
 * five statements, took 2-2.7x longer). A statement is reused by its SQL text; the least recently used goes
 * beyond `capacity`. One still being iterated (Kysely's stream()) is busy: that query gets a fresh statement.
 */
export function cachingStatements(
  sqlite: BetterSqlite3.Database,
  capacity = DEFAULT_CAPACITY,
): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>()
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      const kept = statements.get(sql)
      if (kept?.busy) return sqlite.prepare(sql)
      // Re-inserted on every use: the Map's first key is then the least recently used.
      statements.delete(sql)
      const statement = kept ?? sqlite.prepare(sql)
      statements.set(sql, statement)
      if (statements.size > capacity) statements.delete(statements.keys().next().value as string)
      return statement
    },
  }
}
