import {
  CreatedShareLink,
  CreateShareLinkInput,
  Ok,
  Participant,
  ParticipantList,
  Presence as PresenceSchema,
  RedeemedShareLink,
  Session,
  type SessionRole,
  SetParticipantInput,
  ShareLink,
  ShareLinkList,
  TokenInput,
  UpdateSessionInput,
} from '@agent-ops/protocol'
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { AuditAction, AuditLog } from '../../auth/audit.ts'
import type { SessionAccess } from '../../auth/session-access.ts'
import type { ShareLinks } from '../../auth/share-links.ts'
import { conflict, forbidden } from '../../errors.ts'
import type { Presence } from '../../realtime/presence.ts'
import type { SessionStore } from '../../sessions/session-store.ts'
import type { AppEnv } from '../context.ts'
import { validationHook } from '../errors.ts'
import { bearerSecurity, errorResponses, json, jsonBody } from '../openapi.ts'

const id = z.string().min(1).max(100)
const SessionParams = z.object({ id })

const routes = {
  update: createRoute({
    method: 'patch',
    path: '/sessions/{id}',
    operationId: 'session.update',
    summary: 'Rename a session or change who may see it (owner)',
    security: bearerSecurity,
    request: { params: SessionParams, body: jsonBody(UpdateSessionInput) },
    responses: { 200: json(Session, 'The session'), ...errorResponses },
  }),
  participants: createRoute({
    method: 'get',
    path: '/sessions/{id}/participants',
    operationId: 'session.participants',
    security: bearerSecurity,
    request: { params: SessionParams },
    responses: { 200: json(ParticipantList, 'People added to the session'), ...errorResponses },
  }),
  setParticipant: createRoute({
    method: 'put',
    path: '/sessions/{id}/participants/{userId}',
    operationId: 'session.setParticipant',
    summary: 'Add a member of the organization as collaborator or viewer, or change their role (owner)',
    security: bearerSecurity,
    request: { params: z.object({ id, userId: id }), body: jsonBody(SetParticipantInput) },
    responses: { 200: json(Participant, 'The participant'), ...errorResponses },
  }),
  removeParticipant: createRoute({
    method: 'delete',
    path: '/sessions/{id}/participants/{userId}',
    operationId: 'session.removeParticipant',
    security: bearerSecurity,
    request: { params: z.object({ id, userId: id }) },
    responses: { 200: json(Ok, 'Removed'), ...errorResponses },
  }),
  join: createRoute({
    method: 'post',
    path: '/sessions/{id}/join',
    operationId: 'session.join',
    summary: 'Join a team-joinable session as a collaborator',
    security: bearerSecurity,
    request: { params: SessionParams },
    responses: { 200: json(Participant, 'You, as a collaborator'), ...errorResponses },
  }),
  links: createRoute({
    method: 'get',
    path: '/sessions/{id}/share-links',
    operationId: 'session.shareLinks',
    security: bearerSecurity,
    request: { params: SessionParams },
    responses: { 200: json(ShareLinkList, 'Share links'), ...errorResponses },
  }),
  createLink: createRoute({
    method: 'post',
    path: '/sessions/{id}/share-links',
    operationId: 'session.createShareLink',
    summary: 'Create a link that makes members who open it viewers or collaborators (owner)',
    security: bearerSecurity,
    request: { params: SessionParams, body: jsonBody(CreateShareLinkInput) },
    responses: { 201: json(CreatedShareLink, 'The link; its token is shown once'), ...errorResponses },
  }),
  revokeLink: createRoute({
    method: 'delete',
    path: '/sessions/{id}/share-links/{linkId}',
    operationId: 'session.revokeShareLink',
    security: bearerSecurity,
    request: { params: z.object({ id, linkId: id }) },
    responses: { 200: json(ShareLink, 'The revoked link'), ...errorResponses },
  }),
  redeem: createRoute({
    method: 'post',
    path: '/share-links/redeem',
    operationId: 'shareLink.redeem',
    summary: 'Use a share link (its token is in the link fragment)',
    security: bearerSecurity,
    request: { body: jsonBody(TokenInput) },
    responses: { 200: json(RedeemedShareLink, 'The session and your role on it'), ...errorResponses },
  }),
  presence: createRoute({
    method: 'get',
    path: '/sessions/{id}/presence',
    operationId: 'session.presence',
    summary: 'Who is watching the session right now',
    security: bearerSecurity,
    request: { params: SessionParams },
    responses: { 200: json(PresenceSchema, 'Viewers'), ...errorResponses },
  }),
}

export type SharingRoutesDeps = {
  store: SessionStore
  access: SessionAccess
  links: ShareLinks
  audit: AuditLog
  presence: Presence
}

export function sharingRoutes(deps: SharingRoutesDeps) {
  const { store, access, links, audit } = deps
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  /** Audit entries about the session the route is on (access control has loaded it). */
  const record = (
    c: Context<AppEnv>,
    action: AuditAction,
    target: string,
    details?: Record<string, unknown>,
  ) => audit.record({ orgId: c.get('session').org_id, actor: c.get('actor'), action, target, details })

  app.openapi(routes.update, async (c) => {
    const sessionId = c.req.valid('param').id
    const input = c.req.valid('json')
    if (input.title !== undefined) await store.update(sessionId, { title: input.title })
    if (input.visibility !== undefined && input.visibility !== c.get('session').visibility) {
      await access.setVisibility(sessionId, input.visibility)
      await record(c, 'session.visibility_changed', sessionId, {
        from: c.get('session').visibility,
        to: input.visibility,
      })
    }
    return c.json({ ...(await store.get(sessionId)), access: c.get('sessionRole') }, 200)
  })
  app.openapi(routes.participants, async (c) =>
    c.json({ participants: await access.participants(c.req.valid('param').id) }, 200),
  )
  app.openapi(routes.setParticipant, async (c) => {
    const { id: sessionId, userId } = c.req.valid('param')
    const { role } = c.req.valid('json')
    const participant = await access.setParticipant(c.get('session'), userId, role)
    await record(c, 'session.participant_set', sessionId, { userId, role })
    return c.json(participant, 200)
  })
  app.openapi(routes.removeParticipant, async (c) => {
    const { id: sessionId, userId } = c.req.valid('param')
    await access.removeParticipant(sessionId, userId)
    await record(c, 'session.participant_removed', sessionId, { userId })
    return c.json({ ok: true as const }, 200)
  })
  app.openapi(routes.join, async (c) => {
    const session = c.get('session')
    const role = c.get('sessionRole')
    if (role !== 'viewer') throw conflict(`you already have ${role} access to this session`)
    if (session.visibility !== 'team-joinable')
      throw forbidden('this session is not open to join: ask its owner to add you')
    const participant = await access.setParticipant(session, c.get('principal').user.id, 'collaborator')
    await record(c, 'session.joined', session.id)
    return c.json(participant, 200)
  })
  app.openapi(routes.links, async (c) => c.json({ links: await links.list(c.req.valid('param').id) }, 200))
  app.openapi(routes.createLink, async (c) => {
    const sessionId = c.req.valid('param').id
    const { link, token } = await links.create(sessionId, c.get('principal').user.id, c.req.valid('json'))
    await record(c, 'session.share_link_created', sessionId, {
      linkId: link.id,
      role: link.role,
      maxUses: link.maxUses,
      expiresAt: link.expiresAt,
    })
    return c.json({ ...link, token, path: `/share#token=${token}` }, 201)
  })
  app.openapi(routes.revokeLink, async (c) => {
    const { id: sessionId, linkId } = c.req.valid('param')
    const link = await links.revoke(sessionId, linkId)
    await record(c, 'session.share_link_revoked', sessionId, { linkId })
    return c.json(link, 200)
  })
  app.openapi(routes.redeem, async (c) => {
    const p = c.get('principal')
    let current: SessionRole | undefined
    const used = await links.redeem(c.req.valid('json').token, async (sessionId) => {
      const row = await store.row(sessionId)
      if (row.org_id !== p.membership?.orgId)
        throw forbidden('this link is for members of another organization')
      current = await access.roleOf(p, row)
    })
    const row = await store.row(used.sessionId)
    // A link never lowers a role someone already has.
    const keep = current === 'owner' || (current === 'collaborator' && used.role === 'viewer')
    if (!keep) await access.setParticipant(row, p.user.id, used.role)
    await audit.record({
      orgId: row.org_id,
      actor: c.get('actor'),
      action: 'session.share_link_used',
      target: used.sessionId,
      details: { linkId: used.linkId, role: used.role },
    })
    return c.json({ sessionId: used.sessionId, role: keep && current ? current : used.role }, 200)
  })
  app.openapi(routes.presence, async (c) => c.json(deps.presence.of(c.req.valid('param').id), 200))
  return app
}
