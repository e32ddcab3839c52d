import type { Generated } from 'kysely'

/** Table types for Kysely. Columns are snake_case as stored; the stores map them to protocol shapes. */
export type Database = {
  settings: SettingsTable
  sessions: SessionsTable
  session_events: SessionEventsTable
  session_messages: SessionMessagesTable
  users: UsersTable
  auth_sessions: AuthSessionsTable
  orgs: OrgsTable
  memberships: MembershipsTable
  invites: InvitesTable
  api_keys: ApiKeysTable
  session_participants: SessionParticipantsTable
  share_links: ShareLinksTable
  audit_log: AuditLogTable
  rate_limits: RateLimitsTable
  panel_token_uses: PanelTokenUsesTable
}

export type SettingsTable = { key: string; value: string }

export type SessionsTable = {
  id: string
  title: string
  status: string
  status_reason: string | null
  model: string
  permission_policy: string
  input_tokens: Generated<number>
  output_tokens: Generated<number>
  reasoning_tokens: Generated<number>
  cache_read_tokens: Generated<number>
  cache_write_tokens: Generated<number>
  cost_usd: Generated<number>
  last_seq: Generated<number>
  control_token_hash: string
  llm_token_hash: string
  /** The runner process whose events were last stored, and the highest runner sequence stored from it. */
  runner_id: string | null
  runner_seq: Generated<number>
  sandbox_provider: string
  sandbox_handle: string | null
  /** Null for sessions started before accounts existed. */
  owner_id: string | null
  org_id: string | null
  visibility: Generated<string>
  created_at: string
  updated_at: string
}

export type SessionEventsTable = {
  session_id: string
  seq: number
  type: string
  data: string
  created_at: string
}

/** The prompt queue: every message a person sent, and whether it reached the agent yet. */
export type SessionMessagesTable = {
  id: string
  session_id: string
  text: string
  mode: string
  /** 0 = steer (goes first), 1 = follow-up. */
  priority: number
  status: 'queued' | 'dispatched' | 'cancelled'
  author_id: string
  created_at: string
  dispatched_at: string | null
}

/** better-auth's user table (its column names); we read it, better-auth writes it (and we set deactivatedAt). */
export type UsersTable = {
  id: string
  name: string
  email: string
  emailVerified: number
  image: string | null
  createdAt: string
  updatedAt: string
  deactivatedAt: string | null
}

/** better-auth's browser sessions; we only delete rows (sign out everywhere, deactivation). */
export type AuthSessionsTable = {
  id: string
  userId: string
  token: string
  expiresAt: string
}

export type OrgsTable = { id: string; name: string; allowed_domains: string; created_at: string }

export type MembershipsTable = { org_id: string; user_id: string; role: string; created_at: string }

export type InvitesTable = {
  id: string
  org_id: string
  email: string | null
  role: string
  token_hash: string
  expires_at: string
  created_by: string
  created_at: string
  accepted_at: string | null
  accepted_by: string | null
  revoked_at: string | null
}

export type ApiKeysTable = {
  id: string
  user_id: string
  name: string
  prefix: string
  key_hash: string
  /** Comma-separated scopes. */
  scopes: string
  created_at: string
  expires_at: string | null
  last_used_at: string | null
  revoked_at: string | null
}

export type SessionParticipantsTable = { session_id: string; user_id: string; role: string; added_at: string }

export type ShareLinksTable = {
  id: string
  session_id: string
  token_hash: string
  role: string
  expires_at: string
  max_uses: number
  uses: Generated<number>
  created_by: string
  created_at: string
  revoked_at: string | null
}

export type AuditLogTable = {
  id: string
  org_id: string | null
  at: string
  actor_id: string
  actor_name: string
  action: string
  target: string | null
  /** JSON object. */
  details: string
}

export type RateLimitsTable = { key: string; window_start: number; count: number }

/** Ids of exchanged panel tokens (single use), until they expire; `expires_at` in epoch milliseconds. */
export type PanelTokenUsesTable = { jti: string; expires_at: number }
