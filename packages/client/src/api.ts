import { ApiError, type Client, ConnectionError, createClient } from '@agent-ops/sdk'
import { prefetchingFetch } from './boot/prefetch.ts'

export type { Client }

/**
 * The app talks to the server that served it: relative URLs (proxied to the API by Vite in development). No
 * token: the browser keeps the HttpOnly session cookie and sends it, with the Origin the CSRF check wants. The
 * first reads of a page take the answers the entry script already asked for (boot/prefetch.ts). Answers are not
 * checked against the protocol's schemas: they come from the server build that served this app, and without the
 * check the schemas and zod stay out of the browser. (The app imports plain values from the protocol's
 * vocabulary, never its index, which would build every schema.)
 */
export function makeClient(): Client {
  return createClient({ baseUrl: '', fetch: prefetchingFetch, validate: false })
}

export function isUnauthorized(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401
}

/** A sentence for people: the server's own message when it sent one. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message
  if (error instanceof ConnectionError) return 'Cannot reach the Agent Ops server. Is it running?'
  if (error instanceof Error) return error.message
  return String(error)
}
