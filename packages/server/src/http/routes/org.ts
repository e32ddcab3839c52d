import {
  AuditList,
  CreatedInvite,
  CreateInviteInput,
  InviteList,
  Member,
  MemberList,
  Ok,
  OrgSettings,
  UpdateMemberInput,
  UpdateOrgInput,
} from '@agent-ops/protocol'
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import type { AuditLog } from '../../auth/audit.ts'
import type { Orgs } from '../../auth/orgs.ts'
import type { Principal } from '../../auth/principal.ts'
import type { AppEnv } from '../context.ts'
import { validationHook } from '../errors.ts'
import { bearerSecurity, errorResponses, json, jsonBody } from '../openapi.ts'

const UserParams = z.object({ userId: z.string().min(1).max(100) })
const InviteParams = z.object({ inviteId: z.string().min(1).max(100) })

const route = <P extends string>(
  method: 'get' | 'post' | 'patch' | 'delete',
  path: P,
  operationId: string,
  summary: string,
) => ({ method, path, operationId, summary, security: bearerSecurity })

const routes = {
  get: createRoute({
    ...route('get', '/org', 'org.get', 'The organization and its settings'),
    responses: { 200: json(OrgSettings, 'The organization'), ...errorResponses },
  }),
  update: createRoute({
    ...route('patch', '/org', 'org.update', 'Rename the organization or set its allowed email domains'),
    request: { body: jsonBody(UpdateOrgInput) },
    responses: { 200: json(OrgSettings, 'The organization'), ...errorResponses },
  }),
  members: createRoute({
    ...route('get', '/org/members', 'org.members', 'Members with their roles'),
    responses: { 200: json(MemberList, 'Members'), ...errorResponses },
  }),
  setRole: createRoute({
    ...route('patch', '/org/members/{userId}', 'org.setRole', "Change a member's role"),
    request: { params: UserParams, body: jsonBody(UpdateMemberInput) },
    responses: { 200: json(Member, 'The member'), ...errorResponses },
  }),
  deactivate: createRoute({
    ...route(
      'post',
      '/org/members/{userId}/deactivate',
      'org.deactivate',
      'Deactivate a user: sign-in refused, browser sessions ended, API keys revoked, running sessions stopped',
    ),
    request: { params: UserParams },
    responses: { 200: json(Member, 'The member'), ...errorResponses },
  }),
  reactivate: createRoute({
    ...route(
      'post',
      '/org/members/{userId}/reactivate',
      'org.reactivate',
      'Let a deactivated user sign in again',
    ),
    request: { params: UserParams },
    responses: { 200: json(Member, 'The member'), ...errorResponses },
  }),
  invites: createRoute({
    ...route('get', '/org/invites', 'org.invites', 'Pending and accepted invites'),
    responses: { 200: json(InviteList, 'Invites'), ...errorResponses },
  }),
  invite: createRoute({
    ...route(
      'post',
      '/org/invites',
      'org.invite',
      'Invite someone by email, or create a single-use invite link',
    ),
    request: { body: jsonBody(CreateInviteInput) },
    responses: { 201: json(CreatedInvite, 'The invite; its token is shown once'), ...errorResponses },
  }),
  revokeInvite: createRoute({
    ...route('delete', '/org/invites/{inviteId}', 'org.revokeInvite', 'Revoke a pending invite'),
    request: { params: InviteParams },
    responses: { 200: json(Ok, 'Revoked'), ...errorResponses },
  }),
  audit: createRoute({
    ...route('get', '/audit', 'audit.list', 'Security-relevant actions, newest first'),
    request: {
      query: z.object({
        limit: z.coerce.number().int().min(1).max(500).default(100),
        before: z.string().datetime().optional(),
      }),
    },
    responses: { 200: json(AuditList, 'Audit log entries'), ...errorResponses },
  }),
}

export type OrgRoutesDeps = {
  orgs: Orgs
  audit: AuditLog
  /** Ends a deactivated user's access beyond the user row: API keys and running sessions. */
  offboard(userId: string, by: Principal): Promise<void>
}

const orgOf = (p: Principal) => {
  if (!p.membership) throw new Error('access control lets only members reach org routes')
  return p.membership
}

export function orgRoutes(deps: OrgRoutesDeps) {
  const { orgs, audit } = deps
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  app.openapi(routes.get, async (c) => c.json(await orgs.settings(orgOf(c.get('principal')).orgId), 200))
  app.openapi(routes.update, async (c) => {
    const org = orgOf(c.get('principal'))
    const input = c.req.valid('json')
    const settings = await orgs.updateSettings(org.orgId, input)
    await audit.record({ orgId: org.orgId, actor: c.get('actor'), action: 'org.updated', details: input })
    return c.json(settings, 200)
  })
  app.openapi(routes.members, async (c) =>
    c.json({ members: await orgs.members(orgOf(c.get('principal')).orgId) }, 200),
  )
  app.openapi(routes.setRole, async (c) => {
    const org = orgOf(c.get('principal'))
    const { userId } = c.req.valid('param')
    const { role } = c.req.valid('json')
    const before = await orgs.member(org.orgId, userId)
    const member = await orgs.setRole(org.orgId, userId, role, org.role)
    await audit.record({
      orgId: org.orgId,
      actor: c.get('actor'),
      action: 'user.role_changed',
      target: userId,
      details: { from: before.role, to: role },
    })
    return c.json(member, 200)
  })
  app.openapi(routes.deactivate, async (c) => {
    const p = c.get('principal')
    const org = orgOf(p)
    const { userId } = c.req.valid('param')
    const member = await orgs.setActive(org.orgId, userId, false, org.role)
    await deps.offboard(userId, p)
    await audit.record({
      orgId: org.orgId,
      actor: c.get('actor'),
      action: 'user.deactivated',
      target: userId,
    })
    return c.json(member, 200)
  })
  app.openapi(routes.reactivate, async (c) => {
    const org = orgOf(c.get('principal'))
    const { userId } = c.req.valid('param')
    const member = await orgs.setActive(org.orgId, userId, true, org.role)
    await audit.record({
      orgId: org.orgId,
      actor: c.get('actor'),
      action: 'user.reactivated',
      target: userId,
    })
    return c.json(member, 200)
  })
  app.openapi(routes.invites, async (c) =>
    c.json({ invites: await orgs.invites(orgOf(c.get('principal')).orgId) }, 200),
  )
  app.openapi(routes.invite, async (c) => {
    const p = c.get('principal')
    const org = orgOf(p)
    const { invite, token } = await orgs.createInvite(org.orgId, p.user.id, c.req.valid('json'))
    await audit.record({
      orgId: org.orgId,
      actor: c.get('actor'),
      action: 'invite.created',
      target: invite.id,
      details: { email: invite.email, role: invite.role },
    })
    // The token rides in the fragment: browsers never send it to a server or in a Referer.
    return c.json({ ...invite, token, path: `/invite#token=${token}` }, 201)
  })
  app.openapi(routes.revokeInvite, async (c) => {
    const org = orgOf(c.get('principal'))
    const { inviteId } = c.req.valid('param')
    await orgs.revokeInvite(org.orgId, inviteId)
    await audit.record({
      orgId: org.orgId,
      actor: c.get('actor'),
      action: 'invite.revoked',
      target: inviteId,
    })
    return c.json({ ok: true as const }, 200)
  })
  app.openapi(routes.audit, async (c) => {
    const { limit, before } = c.req.valid('query')
    return c.json({ entries: await audit.list(orgOf(c.get('principal')).orgId, limit, before) }, 200)
  })
  return app
}
