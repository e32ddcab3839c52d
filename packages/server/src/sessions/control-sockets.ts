import { chmod, rm } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { RunnerPath } from '@agent-ops/protocol'
import { getRequestListener } from '@hono/node-server'
import { bearerToken, hashToken } from '../auth/tokens.ts'
import type { Logger } from '../logger.ts'
import type { SessionStore } from './session-store.ts'

export type ControlSocketsDeps = {
  /** The app's fetch handler (same routes as the TCP listener). */
  fetch: (request: Request, env: unknown) => Response | Promise<Response>
  /** The TCP server, whose WebSocket upgrade handler serves the runner hub. */
  upgradeTarget: () => Server
  store: SessionStore
  secretKey: Buffer
  logger: Logger
}

/**
 * One Unix socket per sandbox: the session's control channel (runner hub) and its way to the LLM proxy. A
 * connection on a sandbox's socket can only act as that sandbox's session: a token of another session is
 * refused even if it leaked, and nothing but the runner hub and the LLM proxy is served on it.
 */
type SocketEntry = { server: Server; path: string; sessionId: string }

export class ControlSockets {
  readonly #d: ControlSocketsDeps
  readonly #servers = new Map<string, SocketEntry>()

  constructor(deps: ControlSocketsDeps) {
    this.#d = deps
  }

  has(sessionId: string): boolean {
    return this.#servers.has(sessionId)
  }

  /** Listens on `path` for `sessionId` (replacing a stale socket file left by a previous run). */
  async listen(sessionId: string, path: string): Promise<void> {
    const current = this.#servers.get(sessionId)
    if (current?.path === path) return
    if (current) await this.close(sessionId)
    const handler = getRequestListener(async (request, env) => {
      const url = new URL(request.url)
      if (!url.pathname.startsWith('/llm/'))
        return new Response('not served on the control socket', { status: 404 })
      if (!(await this.#belongs(entry.sessionId, 'llm', llmToken(request.headers))))
        return new Response('token of another session', { status: 401 })
      return this.#d.fetch(request, env)
    })
    const server = createServer(handler)
    const entry: SocketEntry = { server, path, sessionId }
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.#upgrade(entry.sessionId, request, socket, head)
    })
    await rm(path, { force: true })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(path, () => resolve())
    })
    // The sandbox's uid must be able to connect; the directory around it is that sandbox's alone.
    await chmod(path, 0o666)
    this.#servers.set(sessionId, entry)
  }

  /** A warm sandbox's socket now belongs to the session that claimed it. */
  rekey(from: string, to: string): void {
    const entry = this.#servers.get(from)
    if (!entry) return
    this.#servers.delete(from)
    entry.sessionId = to
    this.#servers.set(to, entry)
  }

  async #upgrade(sessionId: string, request: IncomingMessage, socket: Duplex, head: Buffer) {
    const path = new URL(request.url ?? '/', 'http://socket').pathname
    const token = bearerToken(request.headers.authorization)
    if (path !== RunnerPath || !(await this.#belongs(sessionId, 'control', token))) {
      this.#d.logger.warn({ sessionId, path }, 'refused a control socket connection')
      socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n')
      return
    }
    this.#d.upgradeTarget().emit('upgrade', request, socket, head)
  }

  async #belongs(sessionId: string, kind: 'control' | 'llm', token: string | undefined): Promise<boolean> {
    if (!token) return false
    const hash = hashToken(this.#d.secretKey, token)
    const row =
      kind === 'control'
        ? await this.#d.store.findByControlTokenHash(hash)
        : await this.#d.store.findByLlmTokenHash(hash)
    return row?.id === sessionId
  }

  async close(sessionId: string): Promise<void> {
    const entry = this.#servers.get(sessionId)
    if (!entry) return
    this.#servers.delete(sessionId)
    await closeServer(entry.server)
    await rm(entry.path, { force: true })
  }

  /** Stops listening everywhere but leaves the socket files: a restarted server listens on them again. */
  async closeAll(): Promise<void> {
    const entries = [...this.#servers.values()]
    this.#servers.clear()
    await Promise.all(entries.map((e) => closeServer(e.server)))
  }
}

function llmToken(headers: Headers): string | undefined {
  return (
    bearerToken(headers.get('authorization')) ??
    headers.get('x-api-key') ??
    headers.get('x-goog-api-key') ??
    undefined
  )
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}
