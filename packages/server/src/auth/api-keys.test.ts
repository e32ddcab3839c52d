import * as crypto from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { type OpenedDatabase, openDatabase } from '../db/database.ts'
import { ApiKeys } from './api-keys.ts'

// Wraps the real timingSafeEqual so the test can see that key verification goes through it.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>()
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) }
})

let dir: string
let database: OpenedDatabase
let keys: ApiKeys
const secretKey = Buffer.alloc(32, 7)

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aops-keys-'))
  database = await openDatabase(join(dir, 'test.db'))
  const now = new Date().toISOString()
  await database.db
    .insertInto('users')
    .values({
      id: 'u1',
      name: 'U',
      email: 'u@x.test',
      emailVerified: 1,
      image: null,
      createdAt: now,
      updatedAt: now,
      deactivatedAt: null,
    })
    .execute()
  keys = new ApiKeys(database.db, secretKey)
})

afterEach(async () => {
  await database.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('API keys', () => {
  test('are prefixed, shown once, stored only as a keyed hash, and verified in constant time', async () => {
    const { key, apiKey } = await keys.create('u1', {
      name: 'ci',
      scopes: ['read', 'write'],
      expiresInDays: 30,
    })
    expect(key).toMatch(/^aops_key_[A-Za-z0-9_-]{43}$/)
    expect(key.startsWith(apiKey.prefix)).toBe(true)
    const stored = await database.db.selectFrom('api_keys').selectAll().executeTakeFirstOrThrow()
    expect(JSON.stringify(stored)).not.toContain(key.slice(apiKey.prefix.length))
    expect(stored.key_hash).toMatch(/^[0-9a-f]{64}$/)

    const compare = vi.mocked(crypto.timingSafeEqual)
    compare.mockClear()
    expect(await keys.verify(key)).toEqual({ keyId: apiKey.id, userId: 'u1', scopes: ['read', 'write'] })
    expect(compare).toHaveBeenCalledTimes(1)
    expect(compare.mock.calls[0]![0].byteLength).toBe(32)

    expect(await keys.verify(`${key.slice(0, -1)}x`)).toBeUndefined()
    expect(await keys.verify('not-a-key')).toBeUndefined()
    // The same key under another server secret is worthless.
    expect(await new ApiKeys(database.db, Buffer.alloc(32, 8)).verify(key)).toBeUndefined()
  })

  test('stop working when revoked or expired, and record when they were last used', async () => {
    const now = new Date('2026-11-25T12:00:00Z')
    const { key, apiKey } = await keys.create('u1', { name: 'a', scopes: ['read'], expiresInDays: 1 }, now)
    expect(await keys.verify(key, new Date(now.getTime() + 60_000))).toBeDefined()
    expect((await keys.list('u1'))[0]!.lastUsedAt).toBe(new Date(now.getTime() + 60_000).toISOString())
    expect(await keys.verify(key, new Date(now.getTime() + 86_400_000))).toBeUndefined()

    const second = await keys.create('u1', { name: 'b', scopes: ['admin'], expiresInDays: null }, now)
    expect(await keys.verify(second.key)).toBeDefined()
    const revoked = await keys.revoke('u1', second.apiKey.id)
    expect(revoked.revokedAt).not.toBeNull()
    expect(await keys.verify(second.key)).toBeUndefined()
    await expect(keys.revoke('someone-else', apiKey.id)).rejects.toMatchObject({ code: 'not_found' })
  })
})
