import { ApiError } from '@agent-ops/protocol'

const errorJson = { 'application/json': { schema: ApiError } }

/** Error responses shared by the route definitions, so the OpenAPI document lists them. */
export const errorResponses = {
  400: { description: 'Invalid input', content: errorJson },
  401: { description: 'Missing or invalid credentials', content: errorJson },
  403: { description: 'Not allowed for this user, role or API key scope', content: errorJson },
  404: { description: 'Not found', content: errorJson },
  409: { description: 'Conflicts with the session state', content: errorJson },
  413: { description: 'Request body too large', content: errorJson },
} as const

/** An API key as `Authorization: Bearer`, or the browser's session cookie. */
export const bearerSecurity: { [scheme: string]: string[] }[] = [{ bearerAuth: [] }, { cookieAuth: [] }]

/** A required JSON request body. */
export const jsonBody = <T>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
})

/** A JSON response. */
export const json = <T>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
})
