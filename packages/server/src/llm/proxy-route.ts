import { isTerminal, type SessionStatus } from '@agent-ops/protocol'
import { Hono } from 'hono'
import { hashToken } from '../auth/tokens.ts'
import type { Logger } from '../logger.ts'
import type { SessionStore } from '../sessions/session-store.ts'
import type { ModelCatalog } from './model-catalog.ts'
import type { LlmProvider } from './providers.ts'

/** Request headers never forwarded upstream: credentials, hop-by-hop, and encodings we would have to re-encode. */
const droppedRequestHeaders = new Set([
  'host',
  'authorization',
  'x-api-key',
  'x-goog-api-key',
  'cookie',
  'connection',
  'content-length',
  'accept-encoding',
  'transfer-encoding',
])
const droppedResponseHeaders = new Set([
  'content-encoding',
  'content-length',
  'transfer-encoding',
  'connection',
  'set-cookie',
])

function presentedToken(provider: LlmProvider, headers: Headers): string | undefined {
  if (provider.auth === 'bearer') return headers.get('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1]
  return headers.get(provider.auth) ?? headers.get('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1]
}

/**
 * The LLM proxy: the sandbox's only way to reach a model provider. It accepts a session-scoped token, swaps it
 * for the real key and streams the provider's answer back unchanged.
 */
export function llmProxyRoutes(deps: {
  catalog: ModelCatalog
  store: SessionStore
  secretKey: Buffer
  logger: Logger
}) {
  const app = new Hono()
  app.all('/:provider/*', async (c) => {
    const provider = deps.catalog.provider(c.req.param('provider'))
    if (!provider)
      return c.json({ error: { code: 'not_found', message: 'no such model provider is configured' } }, 404)
    const token = presentedToken(provider, c.req.raw.headers)
    const session = token ? await deps.store.findByLlmTokenHash(hashToken(deps.secretKey, token)) : undefined
    if (!session || isTerminal(session.status as SessionStatus)) {
      return c.json({ error: { code: 'unauthorized', message: 'invalid or expired session token' } }, 401)
    }
    const url = new URL(c.req.url)
    const rest = url.pathname.slice(`/llm/${provider.id}`.length)
    const target = `${provider.baseUrl.replace(/\/$/, '')}${rest}${url.search}`
    const headers = new Headers()
    for (const [name, value] of c.req.raw.headers)
      if (!droppedRequestHeaders.has(name)) headers.set(name, value)
    if (provider.apiKey) {
      if (provider.auth === 'bearer') headers.set('authorization', `Bearer ${provider.apiKey}`)
      else headers.set(provider.auth, provider.apiKey)
    }
    headers.set('accept-encoding', 'identity')
    let upstream: Response
    try {
      const hasBody = c.req.method !== 'GET' && c.req.method !== 'HEAD'
      upstream = await fetch(target, {
        method: c.req.method,
        headers,
        body: hasBody ? c.req.raw.body : undefined,
        signal: c.req.raw.signal,
        duplex: 'half', // Node's fetch needs it to stream a request body.
      } as RequestInit)
    } catch (error) {
      deps.logger.warn(
        { sessionId: session.id, provider: provider.id, err: String(error) },
        'llm upstream unreachable',
      )
      return c.json({ error: { code: 'unavailable', message: `cannot reach ${provider.id}` } }, 502)
    }
    const responseHeaders = new Headers()
    for (const [name, value] of upstream.headers)
      if (!droppedResponseHeaders.has(name)) responseHeaders.set(name, value)
    return new Response(upstream.body && endQuietlyOnAbort(upstream.body, c.req.raw.signal), {
      status: upstream.status,
      headers: responseHeaders,
    })
  })
  return app
}

/**
 * The upstream body, ending quietly when the agent hangs up mid-stream (an abort is normal, not an error to
 * report); other upstream failures still error the stream.
 */
function endQuietlyOnAbort(
  body: ReadableStream<Uint8Array>,
  signal: AbortSignal,
): ReadableStream<Uint8Array> {
  const reader = body.getReader()
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await reader.read()
        if (done) controller.close()
        else controller.enqueue(value)
      } catch (error) {
        if (signal.aborted) controller.close()
        else controller.error(error)
      }
    },
    cancel: (reason) => reader.cancel(reason),
  })
}
