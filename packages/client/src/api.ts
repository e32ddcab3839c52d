import { ApiError, type Client, ConnectionError, createClient } from '@agent-ops/sdk'

export type { Client }

const tokenStorageKey = 'agent-ops.token'

export function loadToken(): string | null {
  return localStorage.getItem(tokenStorageKey)
}

export function saveToken(token: string): void {
  localStorage.setItem(tokenStorageKey, token)
}

export function clearToken(): void {
  localStorage.removeItem(tokenStorageKey)
}

/** The app talks to the server that served it: relative URLs, proxied to the API by Vite in development. */
export function makeClient(token: string): Client {
  return createClient({ baseUrl: '', token })
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
