import BetterSqlite3 from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { cachingStatements } from './statement-cache.ts'

const opened: BetterSqlite3.Database[] = []
afterEach(() => {
  for (const sqlite of opened.splice(0)) if (sqlite.open) sqlite.close()
})

function memoryDatabase() {
  const sqlite = new BetterSqlite3(':memory:')
  opened.push(sqlite)
  sqlite.exec('create table t (n integer)')
  sqlite.exec('insert into t values (1), (2), (3)')
  return sqlite
}

describe('cachingStatements', () => {
  it('hands out the statement it already compiled for the same SQL', () => {
    const database = cachingStatements(memoryDatabase())
    const first = database.prepare('select n from t')
    expect(database.prepare('select n from t')).toBe(first)
    expect(database.prepare('select n from t where n > ?')).not.toBe(first)
  })

  it('keeps the most recently used statements and compiles again what it let go', () => {
    const database = cachingStatements(memoryDatabase(), 2)
    const a = database.prepare('select 1')
    const b = database.prepare('select 2')
    expect(database.prepare('select 1')).toBe(a) // a is now more recent than b
    database.prepare('select 3') // over capacity: b, the least recently used, goes
    expect(database.prepare('select 1')).toBe(a)
    expect(database.prepare('select 2')).not.toBe(b)
  })

  it('gives a query a fresh statement while the kept one is still being iterated', () => {
    const database = cachingStatements(memoryDatabase())
    const rows = database.prepare('select n from t order by n').iterate([])
    expect(rows.next().value).toEqual({ n: 1 })
    // Reusing the busy statement would throw "This statement is busy executing a query".
    expect(database.prepare('select n from t order by n').all([])).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }])
    expect([...rows]).toEqual([{ n: 2 }, { n: 3 }])
  })

  it('runs Kysely queries, transactions and streams, and closes the database with it', async () => {
    const sqlite = memoryDatabase()
    const db = new Kysely<{ t: { n: number } }>({
      dialect: new SqliteDialect({ database: cachingStatements(sqlite) }),
    })
    for (let i = 0; i < 3; i++) {
      await db.transaction().execute(async (trx) => {
        const { max } = await trx
          .selectFrom('t')
          .select((e) => e.fn.max('n').as('max'))
          .executeTakeFirstOrThrow()
        await trx
          .insertInto('t')
          .values({ n: max + 1 })
          .execute()
      })
    }
    const streamed: number[] = []
    for await (const row of db.selectFrom('t').select('n').orderBy('n').stream()) streamed.push(row.n)
    expect(streamed).toEqual([1, 2, 3, 4, 5, 6])
    // The streamed statement is kept and, its iteration over, reused.
    expect(await db.selectFrom('t').select('n').orderBy('n').execute()).toHaveLength(6)
    await db.destroy()
    expect(sqlite.open).toBe(false)
  })
})
