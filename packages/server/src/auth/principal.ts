import type { ApiKeyScope, UserSummary } from '@agent-ops/protocol'
import type { Membership } from './orgs.ts'

/** Who is calling: a signed-in person (browser cookie) or an API key acting for one, and what they may do. */
export type Principal = {
  user: UserSummary
  via: 'cookie' | 'api_key'
  /** A browser session has every scope; an API key only its own. */
  scopes: readonly ApiKeyScope[]
  keyId?: string
  /** Undefined while the user belongs to no organization. */
  membership?: Membership
}

export const allScopes: readonly ApiKeyScope[] = ['read', 'write', 'admin']

export const isOrgAdmin = (p: Principal) => p.membership?.role === 'owner' || p.membership?.role === 'admin'
