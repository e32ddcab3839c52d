import type { PermissionPolicy, Session, SessionStatus } from '@agent-ops/protocol'
import type { Selectable, Updateable } from 'kysely'
import type { Db } from '../db/database.ts'
import type { SessionsTable } from '../db/schema.ts'
import { notFound } from '../errors.ts'

export type SessionRow = Selectable<SessionsTable>
export type SessionUpdate = Updateable<SessionsTable>

export type NewSession = {
  id: string
  title: string
  model: string
  permissionPolicy: PermissionPolicy
  controlTokenHash: string
  llmTokenHash: string
  sandboxProvider: string
  now: string
}

/** Persistence of the sessions table, and its mapping to the protocol's Session. */
export class SessionStore {
  readonly #db: Db
  constructor(db: Db) {
    this.#db = db
  }

  async insert(s: NewSession): Promise<void> {
    await this.#db
      .insertInto('sessions')
      .values({
        id: s.id,
        title: s.title,
        status: 'pending',
        status_reason: null,
        model: s.model,
        permission_policy: s.permissionPolicy,
        control_token_hash: s.controlTokenHash,
        llm_token_hash: s.llmTokenHash,
        runner_id: null,
        sandbox_provider: s.sandboxProvider,
        sandbox_handle: null,
        created_at: s.now,
        updated_at: s.now,
      })
      .execute()
  }

  async row(id: string): Promise<SessionRow> {
    const row = await this.#db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row) throw notFound(`session ${id}`)
    return row
  }

  async findByControlTokenHash(hash: string): Promise<SessionRow | undefined> {
    return this.#db
      .selectFrom('sessions')
      .selectAll()
      .where('control_token_hash', '=', hash)
      .executeTakeFirst()
  }

  async findByLlmTokenHash(hash: string): Promise<SessionRow | undefined> {
    return this.#db.selectFrom('sessions').selectAll().where('llm_token_hash', '=', hash).executeTakeFirst()
  }

  async update(id: string, update: SessionUpdate): Promise<void> {
    await this.#db.updateTable('sessions').set(update).where('id', '=', id).execute()
  }

  async withStatus(statuses: readonly SessionStatus[]): Promise<SessionRow[]> {
    if (statuses.length === 0) return []
    return this.#db.selectFrom('sessions').selectAll().where('status', 'in', statuses).execute()
  }

  /** Sessions in `statuses`; with `authorId`, only those whose messages include one of that person's. */
  async count(statuses: readonly SessionStatus[], authorId?: string): Promise<number> {
    let query = this.#db
      .selectFrom('sessions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', 'in', statuses)
    if (authorId !== undefined)
      query = query.where('id', 'in', (eb) =>
        eb.selectFrom('session_messages').select('session_id').where('author_id', '=', authorId),
      )
    const row = await query.executeTakeFirst()
    return Number(row?.n ?? 0)
  }

  async get(id: string): Promise<Session> {
    const [session] = await this.#select().where('sessions.id', '=', id).execute()
    if (!session) throw notFound(`session ${id}`)
    return toSession(session)
  }

  async list(limit: number): Promise<Session[]> {
    const rows = await this.#select()
      .orderBy('sessions.created_at', 'desc')
      .orderBy('sessions.id', 'desc')
      .limit(limit)
      .execute()
    return rows.map(toSession)
  }

  #select() {
    return this.#db
      .selectFrom('sessions')
      .selectAll('sessions')
      .select((eb) =>
        eb
          .selectFrom('session_messages')
          .select((e) => e.fn.countAll<number>().as('n'))
          .whereRef('session_messages.session_id', '=', 'sessions.id')
          .where('session_messages.status', '=', 'queued')
          .as('queued_messages'),
      )
  }
}

function toSession(row: SessionRow & { queued_messages: number | null }): Session {
  return {
    id: row.id,
    title: row.title,
    status: row.status as SessionStatus,
    statusReason: row.status_reason,
    queuedMessages: Number(row.queued_messages ?? 0),
    model: row.model,
    permissionPolicy: row.permission_policy as PermissionPolicy,
    usage: {
      inputTokens: row.input_tokens,
      outputTokens: row.output_tokens,
      reasoningTokens: row.reasoning_tokens,
      cacheReadTokens: row.cache_read_tokens,
      cacheWriteTokens: row.cache_write_tokens,
      costUsd: row.cost_usd,
    },
    lastEventSeq: row.last_seq,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}
