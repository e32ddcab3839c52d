// Anthropic Messages wire format: POST /messages (streaming events and not), GET /models,
// errors as {type:'error', error:{type,message}}.
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
  type SseFrame,
  streamFrames,
  waitBeforeAnswer,
} from './wire.ts'

export function anthropicConversation(body: unknown): Conversation {
  const request = asObject(body)
  const messages = asArray(request.messages).map(asObject)
  // Tool results travel as role 'user' messages of tool_result blocks; only text blocks make a user turn.
  const lastUser = messages.findLastIndex((m) => m.role === 'user' && contentText(m.content) !== undefined)
  return {
    lastUserText: lastUser >= 0 ? (contentText(messages[lastUser]?.content) ?? '') : '',
    assistantTurnsSinceUser: messages.slice(lastUser + 1).filter((m) => m.role === 'assistant').length,
    hasTools: asArray(request.tools).length > 0,
    workspace: findWorkspace(contentText(request.system) ?? ''),
  }
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
}

export function anthropicError(status: number, message: string) {
  const type = ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error')
  return { type: 'error', error: { type, message }, request_id: newId('req_') }
}

type Usage = { input_tokens: number; output_tokens: number }

function usageOf(body: unknown, reply: Reply): Usage {
  const request = asObject(body)
  const inputChars =
    JSON.stringify(request.messages ?? []).length + JSON.stringify(request.system ?? '').length
  const outputChars = reply.text.length + reply.toolCalls.reduce((n, c) => n + JSON.stringify(c).length, 0)
  return { input_tokens: estimateTokens(inputChars), output_tokens: estimateTokens(outputChars) }
}

function stopReason(reply: Reply): 'tool_use' | 'end_turn' {
  return reply.toolCalls.length > 0 ? 'tool_use' : 'end_turn'
}

function frame(type: string, payload: object, paced = false): SseFrame {
  return { event: type, data: JSON.stringify({ type, ...payload }), paced }
}

/** The event sequence of one streamed message, as the Messages API sends it. */
export function* anthropicEvents(reply: Reply, model: string, usage: Usage): Generator<SseFrame> {
  const cacheUsage = { cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }
  yield frame('message_start', {
    message: {
      id: newId('msg_'),
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: usage.input_tokens, output_tokens: 1, ...cacheUsage },
    },
  })
  yield frame('ping', {})
  let index = 0
  if (reply.text !== '' || reply.toolCalls.length === 0) {
    yield frame('content_block_start', { index, content_block: { type: 'text', text: '' } })
    for (const text of chunkText(reply.text)) {
      yield frame('content_block_delta', { index, delta: { type: 'text_delta', text } }, true)
    }
    yield frame('content_block_stop', { index })
    index++
  }
  for (const call of reply.toolCalls) {
    const block = { type: 'tool_use', id: newId('toolu_'), name: call.name, input: {} }
    yield frame('content_block_start', { index, content_block: block })
    for (const partial_json of chunkText(JSON.stringify(call.arguments))) {
      yield frame('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } }, true)
    }
    yield frame('content_block_stop', { index })
    index++
  }
  yield frame('message_delta', {
    delta: { stop_reason: stopReason(reply), stop_sequence: null },
    usage: { ...usage, ...cacheUsage },
  })
  yield frame('message_stop', {})
}

export function anthropicMessage(reply: Reply, model: string, usage: Usage) {
  const text = reply.text !== '' || reply.toolCalls.length === 0 ? [{ type: 'text', text: reply.text }] : []
  const tools = reply.toolCalls.map((call) => ({
    type: 'tool_use',
    id: newId('toolu_'),
    name: call.name,
    input: call.arguments,
  }))
  return {
    id: newId('msg_'),
    type: 'message',
    role: 'assistant',
    model,
    content: [...text, ...tools],
    stop_reason: stopReason(reply),
    stop_sequence: null,
    usage: { ...usage, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  }
}

export function anthropicRoutes(ctx: ModelContext): Hono<ModelEnv> {
  const app = new Hono<ModelEnv>()

  app.use(async function requireApiKey(c, next) {
    if (ctx.apiKey === undefined || c.req.header('x-api-key') === ctx.apiKey) return next()
    return c.json(anthropicError(401, 'invalid x-api-key'), 401)
  })

  app.get('/models', (c) =>
    c.json({
      data: [
        {
          type: 'model',
          id: ctx.modelId,
          display_name: 'Scripted model',
          created_at: '2025-01-01T00:00:00Z',
        },
      ],
      has_more: false,
      first_id: ctx.modelId,
      last_id: ctx.modelId,
    }),
  )

  app.post('/messages', async (c) => {
    const body = c.get('body')
    const request = asObject(body)
    if (!Array.isArray(request.messages)) {
      return c.json(anthropicError(400, 'messages: Field required'), 400)
    }
    const reply = planReply(ctx.script(), anthropicConversation(body))
    const model = typeof request.model === 'string' ? request.model : ctx.modelId
    const usage = usageOf(body, reply)
    if (request.stream === true && !reply.error) {
      return streamFrames(c, ctx, reply, anthropicEvents(reply, model, usage))
    }
    if (!(await waitBeforeAnswer(c, reply))) return c.body(null, 499 as ContentfulStatusCode)
    if (reply.error) {
      const { status, message } = reply.error
      return c.json(anthropicError(status, message), status as ContentfulStatusCode)
    }
    return c.json(anthropicMessage(reply, model, usage))
  })

  return app
}
