import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getMigrations } from 'better-auth/db/migration'
import { expect, test } from 'vitest'
import { openDatabase } from '../db/database.ts'
import { createLogger } from '../logger.ts'
import { createAuth } from './better-auth.ts'

test('our versioned migration creates exactly the tables and columns better-auth needs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aops-schema-'))
  const database = await openDatabase(join(dir, 'test.db'))
  try {
    const auth = createAuth({
      db: database.db,
      secretKey: Buffer.alloc(32, 1),
      baseUrl: 'http://localhost:8787',
      trustedOrigins: ['http://localhost:8787'],
      password: true,
      oauth: {
        github: { clientId: 'id', clientSecret: 'secret', baseUrl: 'https://github.com' },
        google: { clientId: 'id', clientSecret: 'secret', issuer: 'https://accounts.google.com' },
      },
      sessionTtlSeconds: 3600,
      onUserCreated: async () => {},
      refuseSignIn: async () => undefined,
      onSignIn: async () => {},
      logger: createLogger('silent'),
    })
    const { toBeCreated, toBeAdded } = await getMigrations(auth.options)
    expect({ toBeCreated, toBeAdded }).toEqual({ toBeCreated: [], toBeAdded: [] })
  } finally {
    await database.close()
    rmSync(dir, { recursive: true, force: true })
  }
})
