import type { Participant, SessionRole, SessionVisibility } from '@agent-ops/protocol'
import type { ExpressionBuilder } from 'kysely'
import type { Db } from '../db/database.ts'
import type { Database } from '../db/schema.ts'
import { DomainError, notFound } from '../errors.ts'
import { isOrgAdmin, type Principal } from './principal.ts'

const rank: Record<SessionRole, number> = { viewer: 1, collaborator: 2, owner: 3 }

export const roleAtLeast = (role: SessionRole | undefined, needed: SessionRole) =>
  role !== undefined && rank[role] >= rank[needed]

export type SessionAccessRow = {
  id: string
  owner_id: string | null
  org_id: string | null
  visibility: string
}

/**
 * Who may do what on a session. Owner and participants by their role; org owners/admins manage every session of
 * their org; other members read team-visible and team-joinable sessions (and may join the latter).
 */
export class SessionAccess {
  readonly #db: Db
  constructor(db: Db) {
    this.#db = db
  }

  async roleOf(principal: Principal, session: SessionAccessRow): Promise<SessionRole | undefined> {
    const membership = principal.membership
    if (!membership) return undefined
    // Sessions from before accounts existed have no org: only admins see them.
    if (session.org_id !== null && session.org_id !== membership.orgId) return undefined
    if (session.owner_id === principal.user.id) return 'owner'
    if (isOrgAdmin(principal)) return 'owner'
    if (session.org_id === null) return undefined
    const participant = await this.#db
      .selectFrom('session_participants')
      .select('role')
      .where('session_id', '=', session.id)
      .where('user_id', '=', principal.user.id)
      .executeTakeFirst()
    if (participant) return participant.role as SessionRole
    if (session.visibility === 'team-visible' || session.visibility === 'team-joinable') return 'viewer'
    return undefined
  }

  /** Ids of sessions the principal may see, for list queries (a subquery, not a loop). */
  visibleFilter(principal: Principal) {
    const membership = principal.membership
    const userId = principal.user.id
    return (eb: ExpressionBuilder<Database, 'sessions'>) => {
      if (!membership) return eb.val(false)
      if (isOrgAdmin(principal))
        return eb.or([eb('sessions.org_id', '=', membership.orgId), eb('sessions.org_id', 'is', null)])
      return eb.and([
        eb('sessions.org_id', '=', membership.orgId),
        eb.or([
          eb('sessions.owner_id', '=', userId),
          eb('sessions.visibility', 'in', ['team-visible', 'team-joinable']),
          eb(
            'sessions.id',
            'in',
            eb.selectFrom('session_participants').select('session_id').where('user_id', '=', userId),
          ),
        ]),
      ])
    }
  }

  async participants(sessionId: string): Promise<Participant[]> {
    const rows = await this.#db
      .selectFrom('session_participants')
      .innerJoin('users', 'users.id', 'session_participants.user_id')
      .select([
        'users.id',
        'users.name',
        'users.email',
        'session_participants.role',
        'session_participants.added_at',
      ])
      .where('session_participants.session_id', '=', sessionId)
      .orderBy('session_participants.added_at')
      .execute()
    return rows.map((r) => ({
      user: { id: r.id, name: r.name, email: r.email },
      role: r.role as SessionRole,
      addedAt: r.added_at,
    }))
  }

  /** Adds or changes a participant, who must be a member of the session's org. */
  async setParticipant(
    session: SessionAccessRow,
    userId: string,
    role: Exclude<SessionRole, 'owner'>,
    now = new Date(),
  ): Promise<Participant> {
    if (userId === session.owner_id) throw new DomainError('conflict', 'the owner already has full access')
    const member = await this.#db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select(['users.id', 'users.name', 'users.email'])
      .where('memberships.user_id', '=', userId)
      .where('memberships.org_id', '=', session.org_id ?? '')
      .executeTakeFirst()
    if (!member) throw notFound(`member ${userId} of this session's organization`)
    const addedAt = now.toISOString()
    await this.#db
      .insertInto('session_participants')
      .values({ session_id: session.id, user_id: userId, role, added_at: addedAt })
      .onConflict((oc) => oc.columns(['session_id', 'user_id']).doUpdateSet({ role }))
      .execute()
    return { user: { id: member.id, name: member.name, email: member.email }, role, addedAt }
  }

  async removeParticipant(sessionId: string, userId: string): Promise<void> {
    const result = await this.#db
      .deleteFrom('session_participants')
      .where('session_id', '=', sessionId)
      .where('user_id', '=', userId)
      .executeTakeFirst()
    if (Number(result.numDeletedRows) === 0) throw notFound(`participant ${userId}`)
  }

  async setVisibility(sessionId: string, visibility: SessionVisibility): Promise<void> {
    await this.#db.updateTable('sessions').set({ visibility }).where('id', '=', sessionId).execute()
  }
}
