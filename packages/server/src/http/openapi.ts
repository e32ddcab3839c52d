import { ApiError } from '@agent-ops/protocol'

const json = { 'application/json': { schema: ApiError } }

/** Error responses shared by the route definitions, so the OpenAPI document lists them. */
export const errorResponses = {
  400: { description: 'Invalid input', content: json },
  401: { description: 'Missing or invalid token', content: json },
  404: { description: 'Not found', content: json },
  409: { description: 'Conflicts with the session state', content: json },
  413: { description: 'Request body too large', content: json },
} as const

export const bearerSecurity = [{ bearerAuth: [] }]
