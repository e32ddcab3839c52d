import type { PermissionPolicy, Session, SessionStatus, SessionVisibility } from '@agent-ops/protocol'
import type { Expression, ExpressionBuilder, Selectable, SqlBool, Updateable } from 'kysely'
import type { SessionAccessRow } from '../auth/session-access.ts'
import type { Db } from '../db/database.ts'
import type { Database, SessionsTable } from '../db/schema.ts'
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
  /** The person who started it and their organization (null for system-started sessions). */
  ownerId: string | null
  orgId: string | null
  now: string
}

/** Narrows a list query to the sessions one caller may see (built by SessionAccess). */
export type SessionFilter = (eb: ExpressionBuilder<Database, 'sessions'>) => Expression<SqlBool>

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
        owner_id: s.ownerId,
        org_id: s.orgId,
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

  /** The columns access control needs, or undefined when there is no such session. */
  async find(id: string): Promise<SessionAccessRow | undefined> {
    return this.#db
      .selectFrom('sessions')
      .select(['id', 'owner_id', 'org_id', 'visibility'])
      .where('id', '=', id)
      .executeTakeFirst()
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

  /** Sessions in `statuses`; with `ownerId`, only that person's. */
  async count(statuses: readonly SessionStatus[], ownerId?: string): Promise<number> {
    let query = this.#db
      .selectFrom('sessions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', 'in', statuses)
    if (ownerId !== undefined) query = query.where('owner_id', '=', ownerId)
    const row = await query.executeTakeFirst()
    return Number(row?.n ?? 0)
  }

  async get(id: string): Promise<Session> {
    const [session] = await this.#select().where('sessions.id', '=', id).execute()
    if (!session) throw notFound(`session ${id}`)
    return toSession(session)
  }

  /** Ids of one person's sessions in `statuses` (deactivation stops them). */
  async idsOwnedBy(ownerId: string, statuses: readonly SessionStatus[]): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('sessions')
      .select('id')
      .where('owner_id', '=', ownerId)
      .where('status', 'in', statuses)
      .execute()
    return rows.map((r) => r.id)
  }

  async list(limit: number, filter?: SessionFilter): Promise<Session[]> {
    let query = this.#select()
    if (filter) query = query.where(filter)
    const rows = await query
      .orderBy('sessions.created_at', 'desc')
      .orderBy('sessions.id', 'desc')
      .limit(limit)
      .execute()
    return rows.map(toSession)
  }

  #select() {
    return this.#db
      .selectFrom('sessions')
      .leftJoin('users', 'users.id', 'sessions.owner_id')
      .selectAll('sessions')
      .select(['users.name as owner_name', 'users.email as owner_email'])
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

type ListedRow = SessionRow & {
  queued_messages: number | null
  owner_name: string | null
  owner_email: string | null
}

function toSession(row: ListedRow): Session {
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
    owner:
      row.owner_id && row.owner_name !== null
        ? { id: row.owner_id, name: row.owner_name, email: row.owner_email ?? '' }
        : null,
    visibility: row.visibility as SessionVisibility,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}
