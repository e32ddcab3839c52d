// OpenAI Chat Completions wire format: POST /chat/completions (streaming and not), GET /models,
// errors as {error:{message,type,param,code}}.
import { Hono } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import {
  type Conversation,
  chunkText,
  estimateTokens,
  findWorkspace,
  planReply,
  type Reply,
} from './script.ts'
import {
  asArray,
  asObject,
  contentText,
  type ModelContext,
  type ModelEnv,
  newId,
  nowSeconds,
  type SseFrame,
  streamFrames,
  waitBeforeAnswer,
} from './wire.ts'

export function openaiConversation(body: unknown): Conversation {
  const request = asObject(body)
  const messages = asArray(request.messages).map(asObject)
  const lastUser = messages.findLastIndex((m) => m.role === 'user')
  const system = messages
    .filter((m) => m.role === 'system' || m.role === 'developer')
    .map((m) => contentText(m.content) ?? '')
    .join('\n')
  return {
    lastUserText: lastUser >= 0 ? (contentText(messages[lastUser]?.content) ?? '') : '',
    // Tool results are role 'tool' and do not count: only the model's own responses advance the script.
    assistantTurnsSinceUser: messages.slice(lastUser + 1).filter((m) => m.role === 'assistant').length,
    hasTools: asArray(request.tools).length > 0,
    workspace: findWorkspace(system),
  }
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'invalid_request_error',
  403: 'permission_denied',
  404: 'invalid_request_error',
  429: 'rate_limit_exceeded',
}

export function openaiError(status: number, message: string, code: string | null = null) {
  const type = ERROR_TYPES[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error')
  return { error: { message, type, param: null, code } }
}

type Usage = { prompt_tokens: number; completion_tokens: number; total_tokens: number }

function usageOf(body: unknown, reply: Reply): Usage {
  const prompt = estimateTokens(JSON.stringify(asObject(body).messages ?? []).length)
  const outputChars = reply.text.length + reply.toolCalls.reduce((n, c) => n + JSON.stringify(c).length, 0)
  const completion = estimateTokens(outputChars)
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion }
}

function finishReason(reply: Reply): 'tool_calls' | 'stop' {
  return reply.toolCalls.length > 0 ? 'tool_calls' : 'stop'
}

/** The `chat.completion.chunk` frames of one streamed reply, ending with `[DONE]`. */
export function* openaiChunks(reply: Reply, model: string, usage: Usage | undefined): Generator<SseFrame> {
  const base = { id: newId('chatcmpl-'), object: 'chat.completion.chunk', created: nowSeconds(), model }
  const extra = usage ? { usage: null } : {}
  const chunk = (delta: object, finish: string | null = null): SseFrame => ({
    data: JSON.stringify({
      ...base,
      system_fingerprint: null,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...extra,
    }),
    paced: true,
  })
  yield { ...chunk({ role: 'assistant', content: '' }), paced: false }
  for (const piece of chunkText(reply.text)) yield chunk({ content: piece })
  for (const [index, call] of reply.toolCalls.entries()) {
    const id = newId('call_')
    yield chunk({
      tool_calls: [{ index, id, type: 'function', function: { name: call.name, arguments: '' } }],
    })
    for (const piece of chunkText(JSON.stringify(call.arguments))) {
      yield chunk({ tool_calls: [{ index, function: { arguments: piece } }] })
    }
  }
  yield { ...chunk({}, finishReason(reply)), paced: false }
  if (usage) yield { data: JSON.stringify({ ...base, system_fingerprint: null, choices: [], usage }) }
  yield { data: '[DONE]' }
}

export function openaiCompletion(reply: Reply, model: string, usage: Usage) {
  const toolCalls = reply.toolCalls.map((call) => ({
    id: newId('call_'),
    type: 'function',
    function: { name: call.name, arguments: JSON.stringify(call.arguments) },
  }))
  const message = {
    role: 'assistant',
    content: reply.text === '' && toolCalls.length > 0 ? null : reply.text,
    refusal: null,
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
  }
  return {
    id: newId('chatcmpl-'),
    object: 'chat.completion',
    created: nowSeconds(),
    model,
    system_fingerprint: null,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason(reply) }],
    usage,
  }
}

export function openaiRoutes(ctx: ModelContext): Hono<ModelEnv> {
  const app = new Hono<ModelEnv>()

  app.use(async function requireApiKey(c, next) {
    if (ctx.apiKey === undefined) return next()
    const header = c.req.header('authorization') ?? ''
    if (header === `Bearer ${ctx.apiKey}`) return next()
    const shown = header.replace(/^Bearer\s+/i, '').slice(0, 3)
    const message = header
      ? `Incorrect API key provided: ${shown}***. You can find your API key at https://platform.openai.com/account/api-keys.`
      : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
    return c.json(openaiError(401, message, header ? 'invalid_api_key' : null), 401)
  })

  app.get('/models', (c) =>
    c.json({
      object: 'list',
      data: [{ id: ctx.modelId, object: 'model', created: 1_700_000_000, owned_by: 'agent-ops-testkit' }],
    }),
  )

  app.post('/chat/completions', async (c) => {
    const body = c.get('body')
    const request = asObject(body)
    if (!Array.isArray(request.messages)) {
      return c.json(
        openaiError(400, "Missing required parameter: 'messages'.", 'missing_required_parameter'),
        400,
      )
    }
    const reply = planReply(ctx.script(), openaiConversation(body))
    const model = typeof request.model === 'string' ? request.model : ctx.modelId
    if (request.stream === true && !reply.error) {
      const includeUsage = asObject(request.stream_options).include_usage === true
      return streamFrames(
        c,
        ctx,
        reply,
        openaiChunks(reply, model, includeUsage ? usageOf(body, reply) : undefined),
      )
    }
    if (!(await waitBeforeAnswer(c, reply))) return c.body(null, 499 as ContentfulStatusCode)
    if (reply.error) {
      return c.json(
        openaiError(reply.error.status, reply.error.message),
        reply.error.status as ContentfulStatusCode,
      )
    }
    return c.json(openaiCompletion(reply, model, usageOf(body, reply)))
  })

  return app
}
