import type { Generated } from 'kysely'

/** Table types for Kysely. Columns are snake_case as stored; the stores map them to protocol shapes. */
export type Database = {
  settings: SettingsTable
  sessions: SessionsTable
  session_events: SessionEventsTable
  session_messages: SessionMessagesTable
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
