import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration'
import * as initial from './migrations/0001_initial.ts'
import * as accounts from './migrations/0002_accounts.ts'
import * as panelTokens from './migrations/0003_panel_tokens.ts'
import type { Database } from './schema.ts'
import { cachingStatements } from './statement-cache.ts'

/** Versioned migrations, applied in name order at start-up. Add a file, add it here; never edit an applied one. */
const migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_accounts': accounts,
  '0003_panel_tokens': panelTokens,
}

const provider: MigrationProvider = { getMigrations: async () => migrations }

export type Db = Kysely<Database>

export type OpenedDatabase = { db: Db; sqlite: BetterSqlite3.Database; close(): Promise<void> }

/** Opens (creating if needed) the SQLite database file in WAL mode and applies pending migrations. */
export async function openDatabase(path: string): Promise<OpenedDatabase> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const sqlite = new BetterSqlite3(path)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(sqlite) }) })
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest()
  const failed = results?.find((r) => r.status === 'Error')
  if (error || failed) {
    await db.destroy()
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`)
  }
  return {
    db,
    sqlite,
    close: async () => {
      await db.destroy()
    },
  }
}
