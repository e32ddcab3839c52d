import type { Invite, Member, OrgRole, OrgSettings } from '@agent-ops/protocol'
import type { Db } from '../db/database.ts'
import { conflict, DomainError, notFound } from '../errors.ts'
import { newId } from '../ids.ts'
import { generateToken, hashToken } from './tokens.ts'

export type Membership = { orgId: string; orgName: string; role: OrgRole }

const domainOf = (email: string) => email.slice(email.lastIndexOf('@') + 1).toLowerCase()

/**
 * Organizations, memberships and invites. One organization per installation to start with (the first user
 * creates it and owns it); every query is by org id so several can coexist.
 */
export class Orgs {
  readonly #db: Db
  readonly #secretKey: Buffer
  constructor(db: Db, secretKey: Buffer) {
    this.#db = db
    this.#secretKey = secretKey
  }

  async hasAnyUser(): Promise<boolean> {
    return (await this.#db.selectFrom('users').select('id').limit(1).executeTakeFirst()) !== undefined
  }

  async membership(userId: string): Promise<Membership | undefined> {
    const row = await this.#db
      .selectFrom('memberships')
      .innerJoin('orgs', 'orgs.id', 'memberships.org_id')
      .select(['orgs.id as orgId', 'orgs.name as orgName', 'memberships.role'])
      .where('memberships.user_id', '=', userId)
      .orderBy('memberships.created_at')
      .executeTakeFirst()
    return row ? { orgId: row.orgId, orgName: row.orgName, role: row.role as OrgRole } : undefined
  }

  /**
   * A new user joins: the first user of the installation creates the organization and owns it; someone whose
   * email has a pending invite, or whose domain is allowed, joins as a member. Others wait for an invite link.
   * One transaction, so two simultaneous first sign-ups cannot both become owner.
   */
  async onUserCreated(
    user: { id: string; email: string; name: string },
    now = new Date(),
  ): Promise<{ orgId: string; role: string; via: 'first-user' | 'invite' | 'domain' } | undefined> {
    return this.#db.transaction().execute(async (tx) => {
      const at = now.toISOString()
      const org = await tx.selectFrom('orgs').selectAll().orderBy('created_at').executeTakeFirst()
      if (!org) {
        const orgId = newId('org')
        await tx
          .insertInto('orgs')
          .values({ id: orgId, name: `${user.name || 'My'}'s team`, allowed_domains: '[]', created_at: at })
          .execute()
        await tx
          .insertInto('memberships')
          .values({ org_id: orgId, user_id: user.id, role: 'owner', created_at: at })
          .execute()
        return { orgId, role: 'owner', via: 'first-user' as const }
      }
      const invite = await tx
        .selectFrom('invites')
        .selectAll()
        .where('org_id', '=', org.id)
        .where('email', '=', user.email.toLowerCase())
        .where('accepted_at', 'is', null)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', at)
        .orderBy('created_at', 'desc')
        .executeTakeFirst()
      const domains = JSON.parse(org.allowed_domains) as string[]
      const role = invite?.role ?? (domains.includes(domainOf(user.email)) ? 'member' : undefined)
      if (!role) return undefined
      await tx
        .insertInto('memberships')
        .values({ org_id: org.id, user_id: user.id, role, created_at: at })
        .execute()
      if (invite)
        await tx
          .updateTable('invites')
          .set({ accepted_at: at, accepted_by: user.id })
          .where('id', '=', invite.id)
          .execute()
      return { orgId: org.id, role, via: invite ? ('invite' as const) : ('domain' as const) }
    })
  }

  async settings(orgId: string): Promise<OrgSettings> {
    const org = await this.#db.selectFrom('orgs').selectAll().where('id', '=', orgId).executeTakeFirst()
    if (!org) throw notFound(`organization ${orgId}`)
    return { id: org.id, name: org.name, allowedDomains: JSON.parse(org.allowed_domains) as string[] }
  }

  async updateSettings(
    orgId: string,
    input: { name?: string; allowedDomains?: string[] },
  ): Promise<OrgSettings> {
    const update: { name?: string; allowed_domains?: string } = {}
    if (input.name !== undefined) update.name = input.name
    if (input.allowedDomains !== undefined)
      update.allowed_domains = JSON.stringify([...new Set(input.allowedDomains)])
    if (Object.keys(update).length > 0)
      await this.#db.updateTable('orgs').set(update).where('id', '=', orgId).execute()
    return this.settings(orgId)
  }

  async members(orgId: string): Promise<Member[]> {
    const rows = await this.#db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select([
        'users.id',
        'users.name',
        'users.email',
        'users.deactivatedAt',
        'memberships.role',
        'memberships.created_at',
      ])
      .where('memberships.org_id', '=', orgId)
      .orderBy('memberships.created_at')
      .execute()
    return rows.map((r) => ({
      user: { id: r.id, name: r.name, email: r.email },
      role: r.role as OrgRole,
      active: r.deactivatedAt === null,
      joinedAt: r.created_at,
    }))
  }

  async member(orgId: string, userId: string): Promise<Member> {
    const member = (await this.members(orgId)).find((m) => m.user.id === userId)
    if (!member) throw notFound(`member ${userId}`)
    return member
  }

  /** Changes a role; the organization always keeps at least one active owner. */
  async setRole(orgId: string, userId: string, role: OrgRole, byRole: OrgRole): Promise<Member> {
    const member = await this.member(orgId, userId)
    if ((role === 'owner' || member.role === 'owner') && byRole !== 'owner')
      throw new DomainError('forbidden', 'only an owner can make or unmake owners')
    if (member.role === 'owner' && role !== 'owner') await this.#assertAnotherOwner(orgId, userId)
    await this.#db
      .updateTable('memberships')
      .set({ role })
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .execute()
    return { ...member, role }
  }

  async #assertAnotherOwner(orgId: string, userId: string): Promise<void> {
    const owners = (await this.members(orgId)).filter((m) => m.role === 'owner' && m.active)
    if (!owners.some((m) => m.user.id !== userId))
      throw conflict('the organization needs at least one active owner: make someone else owner first')
  }

  /** Deactivation is on the user: sign-in refused, browser sessions and API keys stop working at once. */
  async setActive(orgId: string, userId: string, active: boolean, byRole: OrgRole): Promise<Member> {
    const member = await this.member(orgId, userId)
    if (member.role === 'owner' && byRole !== 'owner')
      throw new DomainError('forbidden', 'only an owner can deactivate an owner')
    if (!active && member.role === 'owner') await this.#assertAnotherOwner(orgId, userId)
    await this.#db
      .updateTable('users')
      .set({ deactivatedAt: active ? null : new Date().toISOString() })
      .where('id', '=', userId)
      .execute()
    if (!active) await this.#db.deleteFrom('auth_sessions').where('userId', '=', userId).execute()
    return { ...member, active }
  }

  /** Sign out everywhere: every browser session of the user ends (their API keys are separate). */
  async revokeBrowserSessions(userId: string): Promise<void> {
    await this.#db.deleteFrom('auth_sessions').where('userId', '=', userId).execute()
  }

  async user(
    userId: string,
  ): Promise<{ id: string; name: string; email: string; active: boolean } | undefined> {
    const row = await this.#db
      .selectFrom('users')
      .select(['id', 'name', 'email', 'deactivatedAt'])
      .where('id', '=', userId)
      .executeTakeFirst()
    return row && { id: row.id, name: row.name, email: row.email, active: row.deactivatedAt === null }
  }

  async isDeactivated(userId: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('users')
      .select('deactivatedAt')
      .where('id', '=', userId)
      .executeTakeFirst()
    return !row || row.deactivatedAt !== null
  }

  async createInvite(
    orgId: string,
    createdBy: string,
    input: { email?: string; role: 'admin' | 'member'; expiresInHours: number },
    now = new Date(),
  ): Promise<{ invite: Invite; token: string }> {
    const email = input.email?.toLowerCase() ?? null
    if (email) {
      const existing = await this.#db
        .selectFrom('memberships')
        .innerJoin('users', 'users.id', 'memberships.user_id')
        .select('users.id')
        .where('memberships.org_id', '=', orgId)
        .where('users.email', '=', email)
        .executeTakeFirst()
      if (existing) throw conflict(`${email} is already a member`)
    }
    const token = generateToken('aops_inv')
    const id = newId('inv')
    await this.#db
      .insertInto('invites')
      .values({
        id,
        org_id: orgId,
        email,
        role: input.role,
        token_hash: hashToken(this.#secretKey, token),
        expires_at: new Date(now.getTime() + input.expiresInHours * 3600_000).toISOString(),
        created_by: createdBy,
        created_at: now.toISOString(),
        accepted_at: null,
        accepted_by: null,
        revoked_at: null,
      })
      .execute()
    return { invite: await this.invite(orgId, id), token }
  }

  async invites(orgId: string): Promise<Invite[]> {
    const rows = await this.#inviteQuery()
      .where('invites.org_id', '=', orgId)
      .where('invites.revoked_at', 'is', null)
      .orderBy('invites.created_at', 'desc')
      .execute()
    return rows.map(toInvite)
  }

  async invite(orgId: string, id: string): Promise<Invite> {
    const row = await this.#inviteQuery()
      .where('invites.org_id', '=', orgId)
      .where('invites.id', '=', id)
      .executeTakeFirst()
    if (!row) throw notFound(`invite ${id}`)
    return toInvite(row)
  }

  async revokeInvite(orgId: string, id: string): Promise<void> {
    const result = await this.#db
      .updateTable('invites')
      .set({ revoked_at: new Date().toISOString() })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .where('accepted_at', 'is', null)
      .executeTakeFirst()
    if (Number(result.numUpdatedRows) === 0) throw notFound(`pending invite ${id}`)
  }

  /** Accepts an invite link for a signed-in user; the check and the use are one statement (single use). */
  async acceptInvite(
    token: string,
    user: { id: string; email: string },
    now = new Date(),
  ): Promise<Membership> {
    const at = now.toISOString()
    return this.#db.transaction().execute(async (tx) => {
      const invite = await tx
        .selectFrom('invites')
        .selectAll()
        .where('token_hash', '=', hashToken(this.#secretKey, token))
        .executeTakeFirst()
      if (!invite || invite.revoked_at) throw notFound('invite')
      if (invite.accepted_at) throw conflict('this invite was already used')
      if (invite.expires_at <= at) throw new DomainError('gone', 'this invite has expired: ask for a new one')
      if (invite.email && invite.email !== user.email.toLowerCase())
        throw new DomainError('forbidden', `this invite is for ${invite.email}; sign in with that address`)
      const current = await tx
        .selectFrom('memberships')
        .select('org_id')
        .where('user_id', '=', user.id)
        .executeTakeFirst()
      if (current) throw conflict('you are already a member of an organization')
      const used = await tx
        .updateTable('invites')
        .set({ accepted_at: at, accepted_by: user.id })
        .where('id', '=', invite.id)
        .where('accepted_at', 'is', null)
        .executeTakeFirst()
      if (Number(used.numUpdatedRows) === 0) throw conflict('this invite was already used')
      await tx
        .insertInto('memberships')
        .values({ org_id: invite.org_id, user_id: user.id, role: invite.role, created_at: at })
        .execute()
      const org = await tx
        .selectFrom('orgs')
        .select('name')
        .where('id', '=', invite.org_id)
        .executeTakeFirstOrThrow()
      return { orgId: invite.org_id, orgName: org.name, role: invite.role as OrgRole }
    })
  }

  #inviteQuery() {
    return this.#db
      .selectFrom('invites')
      .innerJoin('users', 'users.id', 'invites.created_by')
      .select([
        'invites.id',
        'invites.email',
        'invites.role',
        'invites.expires_at',
        'invites.created_at',
        'invites.accepted_at',
        'users.id as creator_id',
        'users.name as creator_name',
        'users.email as creator_email',
      ])
  }
}

function toInvite(row: {
  id: string
  email: string | null
  role: string
  expires_at: string
  created_at: string
  accepted_at: string | null
  creator_id: string
  creator_name: string
  creator_email: string
}): Invite {
  return {
    id: row.id,
    email: row.email,
    role: row.role as 'admin' | 'member',
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    acceptedAt: row.accepted_at,
    createdBy: { id: row.creator_id, name: row.creator_name, email: row.creator_email },
  }
}
