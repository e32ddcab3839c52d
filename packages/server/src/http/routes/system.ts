import { Health, ModelList } from '@agent-ops/protocol'
import { createRoute, OpenAPIHono } from '@hono/zod-openapi'
import type { ModelCatalog } from '../../llm/model-catalog.ts'
import type { AppEnv } from '../context.ts'
import { validationHook } from '../errors.ts'
import { bearerSecurity, errorResponses } from '../openapi.ts'

const healthRoute = createRoute({
  method: 'get',
  path: '/health',
  operationId: 'health.get',
  summary: 'Liveness and what kind of installation this is (no credentials needed)',
  responses: { 200: { description: 'Healthy', content: { 'application/json': { schema: Health } } } },
})

const modelsRoute = createRoute({
  method: 'get',
  path: '/models',
  operationId: 'model.list',
  summary: 'Models of the configured providers, and the default one',
  security: bearerSecurity,
  responses: {
    200: { description: 'Models', content: { 'application/json': { schema: ModelList } } },
    ...errorResponses,
  },
})

export function healthRoutes(health: () => Health) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  app.openapi(healthRoute, (c) => c.json(health(), 200))
  return app
}

export function modelRoutes(catalog: ModelCatalog) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  app.openapi(modelsRoute, async (c) => c.json(await catalog.list(), 200))
  return app
}
