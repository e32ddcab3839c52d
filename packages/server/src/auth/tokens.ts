import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/** A random bearer token with a recognisable prefix (so leaked tokens can be found by scanners). */
export function generateToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`
}

/**
 * Tokens are stored only as a keyed hash: the database alone does not reveal them and cannot be used to forge
 * one without the secret key that lives in the data directory.
 */
export function hashToken(secretKey: Buffer, token: string): string {
  return createHmac('sha256', secretKey).update(token).digest('hex')
}

/** Constant-time comparison of two hex digests of equal length. */
export function digestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex')
  const right = Buffer.from(b, 'hex')
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right)
}

/** The token from an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined | null): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i)
  return match?.[1]
}
