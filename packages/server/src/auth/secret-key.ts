import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * The installation's secret key (32 random bytes, base64, mode 0600), generated into the data directory on first
 * run. It keys token hashes now and encrypts secrets at rest later; losing it invalidates every token.
 */
export function loadOrCreateSecretKey(dataDir: string): Buffer {
  const path = join(dataDir, 'secret.key')
  try {
    const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64')
    if (key.length !== 32) throw new Error(`${path} does not hold a 32-byte key; restore it from a backup`)
    return key
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const key = randomBytes(32)
  // 'wx' fails if another process created it meanwhile; then read theirs.
  try {
    writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' })
    return key
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateSecretKey(dataDir)
    throw error
  }
}
