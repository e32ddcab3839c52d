import {
  PanelKind,
  PanelService,
  PanelServiceName,
  PanelServices,
  PanelToken,
  PanelTokenInput,
} from '@agent-ops/protocol'
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import type { Panels } from '../../gateway/index.ts'
import type { AppEnv } from '../context.ts'
import { validationHook } from '../errors.ts'
import { bearerSecurity, errorResponses, json } from '../openapi.ts'

const id = z.string().min(1).max(100)
const unavailableResponse = {
  503: { description: 'The session is not running (hibernated, stopped) or its runner did not answer' },
}

const routes = {
  list: createRoute({
    method: 'get',
    path: '/sessions/{id}/panels',
    operationId: 'panel.list',
    summary: "The session's dev services (terminal, VS Code, browser), their state and memory use",
    security: bearerSecurity,
    request: { params: z.object({ id }) },
    responses: {
      200: json(PanelServices, 'Services; all stopped while the sandbox is not running'),
      ...errorResponses,
    },
  }),
  start: createRoute({
    method: 'post',
    path: '/sessions/{id}/panels/{name}/start',
    operationId: 'panel.start',
    summary: 'Start a dev service now (collaborator); panels also start theirs when opened',
    security: bearerSecurity,
    request: { params: z.object({ id, name: PanelServiceName }) },
    responses: { 200: json(PanelService, 'The service'), ...errorResponses, ...unavailableResponse },
  }),
  token: createRoute({
    method: 'post',
    path: '/sessions/{id}/panels/{panel}/token',
    operationId: 'panel.token',
    summary:
      "A 60-second, single-use token to POST to the session's sandbox origin, which exchanges it for a cookie (browser panel: viewers, view-only; others: collaborators)",
    security: bearerSecurity,
    request: {
      params: z.object({ id, panel: PanelKind }),
      body: { required: false, content: { 'application/json': { schema: PanelTokenInput } } },
    },
    responses: { 200: json(PanelToken, 'The token and where to exchange it'), ...errorResponses },
  }),
}

export function panelRoutes(panels: Panels) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  app.openapi(routes.list, async (c) => c.json(await panels.services(c.req.valid('param').id), 200))
  app.openapi(routes.start, async (c) => {
    const { id: sessionId, name } = c.req.valid('param')
    return c.json(await panels.start(sessionId, name), 200)
  })
  app.openapi(routes.token, async (c) => {
    const { id: sessionId, panel } = c.req.valid('param')
    const input = c.req.header('content-type')?.includes('json') ? c.req.valid('json') : {}
    const token = panels.mintToken(
      sessionId,
      c.get('principal').user.id,
      c.get('sessionRole'),
      panel,
      input?.port,
    )
    return c.json(token, 200)
  })
  return app
}
