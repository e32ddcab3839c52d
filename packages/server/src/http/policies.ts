import type { ApiKeyScope, SessionRole } from '@agent-ops/protocol'

/**
 * Who may call each API route, in one table. `buildApp` refuses to start when a route has no entry here, and
 * the authorization matrix test walks the router and checks every entry against every kind of caller.
 *
 * - scope: the API-key scope needed (read < write < admin; a browser session has all three)
 * - org: `none` = any signed-in user, even one not yet in an organization; `member`; `admin` = org owner/admin
 * - session: the least role on the session named by `:id` (org owners/admins count as owners)
 */
export type Policy =
  | { public: true; why: string }
  | { public?: false; scope: ApiKeyScope; org: 'none' | 'member' | 'admin'; session?: SessionRole }

const read = (session?: SessionRole): Policy => ({ scope: 'read', org: 'member', session })
const write = (session?: SessionRole): Policy => ({ scope: 'write', org: 'member', session })
const admin: Policy = { scope: 'admin', org: 'admin' }

export const policies: Record<string, Policy> = {
  'GET /api/health': { public: true, why: 'liveness probes' },
  'GET /api/openapi.json': { public: true, why: 'API documentation' },
  'GET /api/sign-in-options': { public: true, why: 'the sign-in page, before anyone is signed in' },
  'GET /api/auth/*': {
    public: true,
    why: 'better-auth: OAuth callbacks and session reads, checked by itself',
  },
  'POST /api/auth/*': { public: true, why: 'better-auth: sign-in/up/out, origin-checked and rate-limited' },

  'GET /api/me': { scope: 'read', org: 'none' },
  'POST /api/me/sign-out-everywhere': { scope: 'write', org: 'none' },
  'POST /api/invites/accept': { scope: 'write', org: 'none' },
  'GET /api/keys': { scope: 'read', org: 'none' },
  'POST /api/keys': { scope: 'write', org: 'none' },
  'DELETE /api/keys/:keyId': { scope: 'write', org: 'none' },

  'GET /api/models': read(),
  'GET /api/org': read(),
  'GET /api/org/members': read(),
  'PATCH /api/org': admin,
  'PATCH /api/org/members/:userId': admin,
  'POST /api/org/members/:userId/deactivate': admin,
  'POST /api/org/members/:userId/reactivate': admin,
  'GET /api/org/invites': admin,
  'POST /api/org/invites': admin,
  'DELETE /api/org/invites/:inviteId': admin,
  'GET /api/audit': admin,

  'GET /api/sessions': read(),
  'POST /api/sessions': write(),
  'GET /api/sessions/:id': read('viewer'),
  'PATCH /api/sessions/:id': write('owner'),
  'DELETE /api/sessions/:id': write('owner'),
  'GET /api/sessions/:id/events': read('viewer'),
  'GET /api/sessions/:id/log': read('viewer'),
  'GET /api/sessions/:id/timeline': read('viewer'),
  'GET /api/sessions/:id/presence': read('viewer'),
  'POST /api/sessions/:id/messages': write('collaborator'),
  'PATCH /api/sessions/:id/messages/:messageId': write('collaborator'),
  'DELETE /api/sessions/:id/messages/:messageId': write('collaborator'),
  'POST /api/sessions/:id/abort': write('collaborator'),
  'POST /api/sessions/:id/resume': write('collaborator'),
  'POST /api/sessions/:id/join': write('viewer'),
  'GET /api/sessions/:id/participants': read('viewer'),
  'PUT /api/sessions/:id/participants/:userId': write('owner'),
  'DELETE /api/sessions/:id/participants/:userId': write('owner'),
  'GET /api/sessions/:id/share-links': read('owner'),
  'POST /api/sessions/:id/share-links': write('owner'),
  'DELETE /api/sessions/:id/share-links/:linkId': write('owner'),
  'POST /api/share-links/redeem': write(),
  'GET /api/sessions/:id/panels': read('viewer'),
  'POST /api/sessions/:id/panels/:name/start': write('collaborator'),
  // Viewers may open the browser panel (view-only); the handler refuses them the other panels.
  'POST /api/sessions/:id/panels/:panel/token': write('viewer'),
}

const scopeRank: Record<ApiKeyScope, number> = { read: 1, write: 2, admin: 3 }

/** Scopes are levels: a `write` key may also read, an `admin` key may do anything its user may. */
export const scopeAllows = (scopes: readonly ApiKeyScope[], needed: ApiKeyScope) =>
  scopes.some((s) => scopeRank[s] >= scopeRank[needed])
