// The scripted model server: one loopback HTTP server speaking both provider protocols, recording every
// request it receives.
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { anthropicError, anthropicRoutes } from './anthropic.ts'
import { openaiError, openaiRoutes } from './openai.ts'
import type { Script } from './script.ts'
import type { ModelContext, ModelEnv } from './wire.ts'

export type RecordedRequest = {
  api: 'openai' | 'anthropic'
  path: string
  headers: Record<string, string>
  body: unknown
}

export type ScriptedModel = {
  /** http://127.0.0.1:PORT */
  url: string
  /** `${url}/openai/v1` (POST /chat/completions, GET /models) */
  openaiBaseUrl: string
  /** `${url}/anthropic/v1` (POST /messages, GET /models) */
  anthropicBaseUrl: string
  /** 'scripted-model', listed by both /models endpoints. */
  modelId: string
  /** Every request received, newest last. */
  requests: RecordedRequest[]
  /** Responses still streaming (0 once every stream has ended or been aborted). */
  readonly activeStreams: number
  setScript(script: Script): void
  close(): Promise<void>
}

export type ScriptedModelOptions = { script?: Script; port?: number; host?: string; apiKey?: string }

const MODEL_ID = 'scripted-model'

function apiOf(path: string): RecordedRequest['api'] | undefined {
  if (path.startsWith('/openai/')) return 'openai'
  if (path.startsWith('/anthropic/')) return 'anthropic'
  return undefined
}

function errorBody(api: RecordedRequest['api'] | undefined, status: number, message: string) {
  return api === 'anthropic' ? anthropicError(status, message) : openaiError(status, message)
}

export async function startScriptedModel(opts: ScriptedModelOptions = {}): Promise<ScriptedModel> {
  let script: Script = opts.script ?? { exchanges: [] }
  const requests: RecordedRequest[] = []
  const ctx: ModelContext = {
    modelId: MODEL_ID,
    apiKey: opts.apiKey,
    script: () => script,
    streams: { active: 0 },
  }

  const app = new Hono<ModelEnv>()
  app.use(async function recordRequest(c, next) {
    const api = apiOf(c.req.path)
    const raw = c.req.method === 'GET' || c.req.method === 'HEAD' ? '' : await c.req.text()
    let body: unknown
    try {
      body = raw === '' ? undefined : JSON.parse(raw)
    } catch {
      if (api) requests.push({ api, path: c.req.path, headers: c.req.header(), body: raw })
      return c.json(errorBody(api, 400, 'The request body is not valid JSON.'), 400)
    }
    if (api) requests.push({ api, path: c.req.path, headers: c.req.header(), body })
    c.set('body', body)
    await next()
  })
  app.route('/openai/v1', openaiRoutes(ctx))
  app.route('/anthropic/v1', anthropicRoutes(ctx))
  app.notFound((c) => {
    const message = `Unknown request: ${c.req.method} ${c.req.path}`
    return c.json(errorBody(apiOf(c.req.path), 404, message), 404)
  })

  const host = opts.host ?? '127.0.0.1'
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: opts.port ?? 0, hostname: host }, () => resolve(s))
    s.once('error', reject)
  })
  const { port } = server.address() as AddressInfo
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`

  return {
    url,
    openaiBaseUrl: `${url}/openai/v1`,
    anthropicBaseUrl: `${url}/anthropic/v1`,
    modelId: MODEL_ID,
    requests,
    get activeStreams() {
      return ctx.streams.active
    },
    setScript(next) {
      script = next
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        // Idle keep-alive sockets and open streams would otherwise hold close() open.
        if ('closeAllConnections' in server) server.closeAllConnections()
      })
    },
  }
}
