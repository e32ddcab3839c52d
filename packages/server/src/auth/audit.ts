import type { AuditEntry } from '@agent-ops/protocol'
import type { Db } from '../db/database.ts'
import { newId } from '../ids.ts'

export type AuditAction =
  | 'user.signed_in'
  | 'user.joined'
  | 'user.role_changed'
  | 'user.deactivated'
  | 'user.reactivated'
  | 'org.updated'
  | 'invite.created'
  | 'invite.revoked'
  | 'invite.accepted'
  | 'api_key.created'
  | 'api_key.revoked'
  | 'session.visibility_changed'
  | 'session.participant_set'
  | 'session.participant_removed'
  | 'session.share_link_created'
  | 'session.share_link_revoked'
  | 'session.share_link_used'
  | 'session.joined'
  | 'session.stopped_by_other'
  | 'auth.signed_out_everywhere'

export type AuditRecord = {
  orgId: string | null
  actor: { id: string; name: string }
  action: AuditAction
  target?: string
  /** Never secrets: ids, roles, names. */
  details?: Record<string, unknown>
}

/** Security-relevant actions, append-only, readable by org admins. */
export class AuditLog {
  readonly #db: Db
  constructor(db: Db) {
    this.#db = db
  }

  async record(entry: AuditRecord, now = new Date()): Promise<void> {
    await this.#db
      .insertInto('audit_log')
      .values({
        id: newId('aud'),
        org_id: entry.orgId,
        at: now.toISOString(),
        actor_id: entry.actor.id,
        actor_name: entry.actor.name,
        action: entry.action,
        target: entry.target ?? null,
        details: JSON.stringify(entry.details ?? {}),
      })
      .execute()
  }

  async list(orgId: string, limit: number, before?: string): Promise<AuditEntry[]> {
    let query = this.#db
      .selectFrom('audit_log')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
    if (before) query = query.where('at', '<', before)
    const rows = await query.execute()
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      actor: { id: r.actor_id, name: r.actor_name },
      action: r.action,
      target: r.target,
      details: JSON.parse(r.details) as Record<string, unknown>,
    }))
  }
}
