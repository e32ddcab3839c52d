import {
  ApiKeyList,
  ApiKey as ApiKeySchema,
  CreateApiKeyInput,
  CreatedApiKey,
  Me,
  Ok,
  OrgSettings,
  SignInOptions,
  TokenInput,
} from '@agent-ops/protocol'
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import type { ApiKeys } from '../../auth/api-keys.ts'
import type { AuditLog } from '../../auth/audit.ts'
import type { Orgs } from '../../auth/orgs.ts'
import { forbidden } from '../../errors.ts'
import type { AppEnv } from '../context.ts'
import { validationHook } from '../errors.ts'
import { bearerSecurity, errorResponses, json, jsonBody } from '../openapi.ts'
import { scopeAllows } from '../policies.ts'

const routes = {
  signInOptions: createRoute({
    method: 'get',
    path: '/sign-in-options',
    operationId: 'auth.signInOptions',
    summary: 'Which sign-in methods are enabled, and whether the first account is still to be created',
    responses: { 200: json(SignInOptions, 'Sign-in options') },
  }),
  me: createRoute({
    method: 'get',
    path: '/me',
    operationId: 'me.get',
    summary: 'The signed-in user, their organization and role',
    security: bearerSecurity,
    responses: { 200: json(Me, 'The caller'), ...errorResponses },
  }),
  signOutEverywhere: createRoute({
    method: 'post',
    path: '/me/sign-out-everywhere',
    operationId: 'me.signOutEverywhere',
    summary: 'Ends every browser session of the caller (API keys stay; revoke them on the keys page)',
    security: bearerSecurity,
    responses: { 200: json(Ok, 'Signed out everywhere'), ...errorResponses },
  }),
  acceptInvite: createRoute({
    method: 'post',
    path: '/invites/accept',
    operationId: 'invite.accept',
    summary: 'Join an organization with an invite link (its token is in the link fragment)',
    security: bearerSecurity,
    request: { body: jsonBody(TokenInput) },
    responses: { 200: json(OrgSettings.pick({ id: true, name: true }), 'Joined'), ...errorResponses },
  }),
  listKeys: createRoute({
    method: 'get',
    path: '/keys',
    operationId: 'apiKey.list',
    summary: "The caller's API keys (never the keys themselves)",
    security: bearerSecurity,
    responses: { 200: json(ApiKeyList, 'API keys'), ...errorResponses },
  }),
  createKey: createRoute({
    method: 'post',
    path: '/keys',
    operationId: 'apiKey.create',
    summary: 'Create an API key; the key is in this response only',
    security: bearerSecurity,
    request: { body: jsonBody(CreateApiKeyInput) },
    responses: { 201: json(CreatedApiKey, 'The new key, shown once'), ...errorResponses },
  }),
  revokeKey: createRoute({
    method: 'delete',
    path: '/keys/{keyId}',
    operationId: 'apiKey.revoke',
    summary: 'Revoke an API key at once',
    security: bearerSecurity,
    request: { params: z.object({ keyId: z.string().min(1).max(100) }) },
    responses: { 200: json(ApiKeySchema, 'The revoked key'), ...errorResponses },
  }),
}

export type AccountRoutesDeps = {
  signInOptions(): Promise<z.output<typeof SignInOptions>>
  orgs: Orgs
  keys: ApiKeys
  audit: AuditLog
  revokeBrowserSessions(userId: string): Promise<void>
}

export function accountRoutes(deps: AccountRoutesDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  app.openapi(routes.signInOptions, async (c) => c.json(await deps.signInOptions(), 200))
  app.openapi(routes.me, async (c) => {
    const p = c.get('principal')
    const m = p.membership
    return c.json(
      {
        user: p.user,
        org: m ? { id: m.orgId, name: m.orgName, role: m.role } : null,
        via: p.via,
        scopes: [...p.scopes],
      },
      200,
    )
  })
  app.openapi(routes.signOutEverywhere, async (c) => {
    const p = c.get('principal')
    await deps.revokeBrowserSessions(p.user.id)
    await deps.audit.record({
      orgId: p.membership?.orgId ?? null,
      actor: c.get('actor'),
      action: 'auth.signed_out_everywhere',
    })
    return c.json({ ok: true as const }, 200)
  })
  app.openapi(routes.acceptInvite, async (c) => {
    const p = c.get('principal')
    const joined = await deps.orgs.acceptInvite(c.req.valid('json').token, p.user)
    await deps.audit.record({
      orgId: joined.orgId,
      actor: c.get('actor'),
      action: 'invite.accepted',
      details: { role: joined.role },
    })
    return c.json({ id: joined.orgId, name: joined.orgName }, 200)
  })
  app.openapi(routes.listKeys, async (c) =>
    c.json({ keys: await deps.keys.list(c.get('principal').user.id) }, 200),
  )
  app.openapi(routes.createKey, async (c) => {
    const p = c.get('principal')
    const input = c.req.valid('json')
    // A key never gets more than its creator's own scopes.
    const excess = input.scopes.filter((s) => !scopeAllows(p.scopes, s))
    if (excess.length > 0) throw forbidden(`you cannot grant scopes you do not have: ${excess.join(', ')}`)
    const { key, apiKey } = await deps.keys.create(p.user.id, input)
    await deps.audit.record({
      orgId: p.membership?.orgId ?? null,
      actor: c.get('actor'),
      action: 'api_key.created',
      target: apiKey.id,
      details: { name: apiKey.name, scopes: apiKey.scopes, prefix: apiKey.prefix },
    })
    return c.json({ ...apiKey, key }, 201)
  })
  app.openapi(routes.revokeKey, async (c) => {
    const p = c.get('principal')
    const apiKey = await deps.keys.revoke(p.user.id, c.req.valid('param').keyId)
    await deps.audit.record({
      orgId: p.membership?.orgId ?? null,
      actor: c.get('actor'),
      action: 'api_key.revoked',
      target: apiKey.id,
      details: { name: apiKey.name, prefix: apiKey.prefix },
    })
    return c.json(apiKey, 200)
  })
  return app
}
