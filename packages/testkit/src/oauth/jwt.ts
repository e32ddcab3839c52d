// RS256 signing with node:crypto only: a key pair generated per stand-in, its public half served as a JWKS,
// compact JWS tokens that jose (better-auth's verifier) accepts.
import { createHash, generateKeyPair, type KeyObject, sign } from 'node:crypto'
import { promisify } from 'node:util'

export type PublicJwk = { kty: 'RSA'; alg: 'RS256'; use: 'sig'; kid: string; n: string; e: string }

export type Signer = {
  jwk: PublicJwk
  sign(claims: Record<string, unknown>): string
}

const generate = promisify(generateKeyPair)

function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

export async function createSigner(): Promise<Signer> {
  const { privateKey, publicKey } = (await generate('rsa', { modulusLength: 2048 })) as {
    privateKey: KeyObject
    publicKey: KeyObject
  }
  const { n, e } = publicKey.export({ format: 'jwk' })
  if (!n || !e) throw new Error('RSA public key exported without n/e')
  // A stable kid derived from the key, as Google's are opaque per-key ids; verifiers select the key by it.
  const kid = createHash('sha256').update(n).digest('hex').slice(0, 40)
  const jwk: PublicJwk = { kty: 'RSA', alg: 'RS256', use: 'sig', kid, n, e }
  return {
    jwk,
    sign(claims) {
      const input = `${base64urlJson({ alg: 'RS256', kid, typ: 'JWT' })}.${base64urlJson(claims)}`
      return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`
    },
  }
}

/** OIDC `at_hash`: the left half of the access token's SHA-256, base64url (Core §3.1.3.6). */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest().subarray(0, 16).toString('base64url')
}
