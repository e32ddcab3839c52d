// The OpenAI Chat Completions wire format, over a real socket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ScriptedModel, startScriptedModel } from '../src/index.ts'
import { eventually, postJson, readSse, sseMessages } from './sse.ts'

const KEY = 'sk-test-key'
const auth = { authorization: `Bearer ${KEY}` }
const tools = [{ type: 'function', function: { name: 'bash', parameters: { type: 'object' } } }]
const longText = 'All work and no play. '.repeat(40)

let model: ScriptedModel
beforeAll(async () => {
  model = await startScriptedModel({
    apiKey: KEY,
    script: {
      exchanges: [
        { match: 'say hello', steps: [{ text: 'Hello there, streaming world!' }] },
        {
          match: 'use tools',
          steps: [
            {
              text: 'Running two tools.',
              toolCalls: [
                {
                  name: 'bash',
                  arguments: { command: 'echo "hi" > $WORKSPACE/x.txt', nested: { n: [1, 2] } },
                },
                { name: 'read', arguments: { filePath: '$WORKSPACE/x.txt' } },
              ],
            },
            { text: 'Second answer.' },
          ],
        },
        { match: 'fail', steps: [{ error: { status: 429, message: 'Slow down' } }] },
        { match: 'slow', steps: [{ text: 'late', delayMs: 300 }] },
        { match: 'long turn', steps: [{ text: longText, chunkDelayMs: 20 }] },
      ],
    },
  })
})
afterAll(() => model.close())

const chat = (body: object, headers: Record<string, string> = auth, signal?: AbortSignal) =>
  postJson(
    `${model.openaiBaseUrl}/chat/completions`,
    { model: 'scripted-model', tools, ...body },
    headers,
    signal,
  )
const user = (content: unknown) => ({ role: 'user', content })

type Chunk = {
  object: string
  choices: {
    delta: { role?: string; content?: string; tool_calls?: ToolDelta[] }
    finish_reason: string | null
  }[]
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null
}
type Completion = {
  object: string
  model: string
  choices: {
    message: {
      content: string | null
      tool_calls?: { type: string; function: { name: string; arguments: string } }[]
    }
    finish_reason: string
  }[]
  usage: { prompt_tokens: number }
}
type ErrorBody = { error: { message: string; type: string; code: string | null } }
const completion = async (body: object) => (await (await chat(body)).json()) as Completion
const contentOf = (c: Completion) => c.choices[0]?.message.content

type ToolDelta = {
  index: number
  id?: string
  type?: string
  function: { name?: string; arguments?: string }
}

async function streamChunks(body: object) {
  const response = await chat({ stream: true, ...body })
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
  const messages = await readSse(response)
  expect(messages.at(-1)?.data).toBe('[DONE]')
  return messages.slice(0, -1).map((m) => JSON.parse(m.data) as Chunk)
}

describe('OpenAI chat completions', () => {
  it('lists the model', async () => {
    const response = await fetch(`${model.openaiBaseUrl}/models`, { headers: auth })
    expect(await response.json()).toEqual({
      object: 'list',
      data: [
        { id: 'scripted-model', object: 'model', created: expect.any(Number), owned_by: expect.any(String) },
      ],
    })
  })

  it('streams text in small chunk deltas, then finish_reason stop and a usage chunk', async () => {
    const chunks = await streamChunks({
      messages: [user('say hello')],
      stream_options: { include_usage: true },
    })
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true)
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant')
    const pieces = chunks.flatMap((c) => c.choices.map((choice) => choice.delta.content ?? ''))
    expect(pieces.join('')).toBe('Hello there, streaming world!')
    expect(pieces.filter((p) => p !== '').length).toBeGreaterThan(3)
    const withChoices = chunks.filter((c) => c.choices.length > 0)
    expect(withChoices.at(-1)?.choices[0]?.finish_reason).toBe('stop')
    const usage = chunks.at(-1)
    expect(usage?.choices).toEqual([])
    expect(usage?.usage?.completion_tokens).toBeGreaterThan(0)
    expect(usage?.usage?.total_tokens).toBe(
      (usage?.usage?.prompt_tokens ?? 0) + (usage?.usage?.completion_tokens ?? 0),
    )
  })

  it('sends no usage chunk unless stream_options.include_usage is set', async () => {
    const chunks = await streamChunks({ messages: [user('say hello')] })
    expect(chunks.every((c) => c.choices.length === 1 && c.usage === undefined)).toBe(true)
  })

  it('streams tool calls whose argument pieces parse to the scripted object, with $WORKSPACE filled in', async () => {
    const system = { role: 'system', content: 'Env:\n  Working directory: /tmp/project\n' }
    const chunks = await streamChunks({ messages: [system, user([{ type: 'text', text: 'use tools' }])] })
    const deltas = chunks.flatMap((c) => c.choices.flatMap((choice) => choice.delta.tool_calls ?? []))
    const calls = [0, 1].map((index) => {
      const mine = deltas.filter((d) => d.index === index)
      expect(mine[0]?.id).toMatch(/^call_/)
      expect(mine[0]?.type).toBe('function')
      expect(mine.length).toBeGreaterThan(2) // arguments arrive in pieces
      return {
        name: mine[0]?.function.name,
        args: JSON.parse(mine.map((d) => d.function.arguments ?? '').join('')),
      }
    })
    expect(calls).toEqual([
      { name: 'bash', args: { command: 'echo "hi" > /tmp/project/x.txt', nested: { n: [1, 2] } } },
      { name: 'read', args: { filePath: '/tmp/project/x.txt' } },
    ])
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls')
  })

  it('selects the step by assistant turns after the last user message; tool results do not count', async () => {
    const messages = [
      user('use tools'),
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: {} }] },
      { role: 'tool', tool_call_id: 'call_1', content: 'ok' },
    ]
    expect(contentOf(await completion({ messages }))).toBe('Second answer.')
    const past = await completion({ messages: [...messages, { role: 'assistant', content: 'x' }] })
    expect(contentOf(past)).toBe('Done.')
  })

  it('answers without streaming as a chat.completion object', async () => {
    const body = await completion({ messages: [user('use tools')] })
    expect(body).toMatchObject({ object: 'chat.completion', model: 'scripted-model' })
    expect(body.choices[0]?.finish_reason).toBe('tool_calls')
    expect(contentOf(body)).toBe('Running two tools.')
    const toolCalls = body.choices[0]?.message.tool_calls ?? []
    expect(toolCalls[0]).toMatchObject({ type: 'function', function: { name: 'bash' } })
    expect(JSON.parse(toolCalls[1]?.function.arguments ?? '')).toEqual({
      filePath: '$WORKSPACE/x.txt', // no system prompt, so no known workspace
    })
    expect(body.usage.prompt_tokens).toBeGreaterThan(0)
  })

  it('answers auxiliary requests (no tools) with a fixed title text', async () => {
    expect(contentOf(await completion({ messages: [user('say hello')], tools: undefined }))).toBe(
      'Scripted session',
    )
  })

  it('says so in text when no exchange matches', async () => {
    const body = await completion({ messages: [user('something unscripted')] })
    expect(contentOf(body)).toBe('Scripted model: no script entry matches "something unscripted"')
  })

  it('answers an error step with the HTTP status in OpenAI error format, streaming or not', async () => {
    for (const stream of [true, false]) {
      const response = await chat({ messages: [user('fail')], stream })
      expect(response.status).toBe(429)
      expect(await response.json()).toEqual({
        error: { message: 'Slow down', type: 'rate_limit_exceeded', param: null, code: null },
      })
    }
  })

  it('rejects a missing or wrong API key with 401 and records every request', async () => {
    const before = model.requests.length
    const missing = await chat({ messages: [user('say hello')] }, {})
    expect(missing.status).toBe(401)
    expect(await missing.json()).toMatchObject({ error: { type: 'invalid_request_error', code: null } })
    const wrong = await chat({ messages: [user('say hello')] }, { authorization: 'Bearer nope' })
    expect(wrong.status).toBe(401)
    expect(((await wrong.json()) as ErrorBody).error.code).toBe('invalid_api_key')
    expect((await fetch(`${model.openaiBaseUrl}/models`)).status).toBe(401)
    const recorded = model.requests.slice(before)
    expect(recorded.map((r) => [r.api, r.path, r.headers.authorization])).toEqual([
      ['openai', '/openai/v1/chat/completions', undefined],
      ['openai', '/openai/v1/chat/completions', 'Bearer nope'],
      ['openai', '/openai/v1/models', undefined],
    ])
    expect(recorded[0]?.body).toMatchObject({ messages: [{ role: 'user', content: 'say hello' }] })
  })

  it('waits delayMs before the first chunk', async () => {
    const started = Date.now()
    const chunks = await streamChunks({ messages: [user('slow')] })
    expect(Date.now() - started).toBeGreaterThanOrEqual(290)
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('late')
  })

  it('stops streaming at once when the client aborts mid-stream', async () => {
    const abort = new AbortController()
    const response = await chat({ messages: [user('long turn')], stream: true }, auth, abort.signal)
    let received = ''
    await expect(
      (async () => {
        for await (const message of sseMessages(response)) {
          received += (JSON.parse(message.data) as Chunk).choices[0]?.delta.content ?? ''
          if (received.length > 20) abort.abort()
        }
      })(),
    ).rejects.toThrow(/abort/i)
    expect(model.activeStreams).toBeLessThanOrEqual(1)
    await eventually(() => model.activeStreams === 0, 500) // the whole text would take ~3 s
    expect(received.length).toBeLessThan(longText.length)
    const after = await chat({ messages: [user('say hello')] })
    expect(after.status).toBe(200) // the server is fine afterwards
  })
})
