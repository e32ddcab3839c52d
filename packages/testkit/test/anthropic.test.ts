// The Anthropic Messages wire format, over a real socket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ScriptedModel, startScriptedModel } from '../src/index.ts'
import { eventually, postJson, readSse, sseMessages } from './sse.ts'

const KEY = 'anthropic-test-key'
const auth = { 'x-api-key': KEY, 'anthropic-version': '2023-06-01' }
const tools = [{ name: 'bash', input_schema: { type: 'object' } }]
const longText = 'The long turn goes on. '.repeat(40)

let model: ScriptedModel
beforeAll(async () => {
  model = await startScriptedModel({
    apiKey: KEY,
    script: {
      exchanges: [
        { match: /^say hello$/, steps: [{ text: 'Hello from the Messages API!' }] },
        {
          match: 'use tools',
          steps: [
            {
              text: 'On it.',
              toolCalls: [{ name: 'write', arguments: { filePath: '$WORKSPACE/a.md', content: '# A' } }],
            },
            { toolCalls: [{ name: 'bash', arguments: { command: 'ls' } }] },
            { text: 'Finished.' },
          ],
        },
        { match: 'overloaded', steps: [{ error: { status: 529, message: 'Overloaded' } }] },
        { match: 'long turn', steps: [{ text: longText, chunkDelayMs: 20 }] },
      ],
    },
  })
})
afterAll(() => model.close())

const messages = (body: object, headers: Record<string, string> = auth, signal?: AbortSignal) =>
  postJson(
    `${model.anthropicBaseUrl}/messages`,
    { model: 'scripted-model', max_tokens: 1024, tools, ...body },
    headers,
    signal,
  )
const user = (text: string) => ({ role: 'user', content: [{ type: 'text', text }] })

type Message = { content: { type: string; text?: string; name?: string }[]; usage: { input_tokens: number } }
const message = async (body: object) => (await (await messages(body)).json()) as Message

type Event = { type: string; index?: number; [key: string]: unknown }

async function streamEvents(body: object): Promise<Event[]> {
  const response = await messages({ stream: true, ...body })
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
  return (await readSse(response)).map((m) => {
    const data = JSON.parse(m.data) as Event
    expect(m.event).toBe(data.type) // the SSE event name mirrors the payload type
    return data
  })
}

describe('Anthropic messages', () => {
  it('lists the model', async () => {
    const response = await fetch(`${model.anthropicBaseUrl}/models`, { headers: auth })
    expect(await response.json()).toEqual({
      data: [
        {
          type: 'model',
          id: 'scripted-model',
          display_name: expect.any(String),
          created_at: expect.any(String),
        },
      ],
      has_more: false,
      first_id: 'scripted-model',
      last_id: 'scripted-model',
    })
  })

  it('streams text as message_start, text block deltas, message_delta end_turn with usage, message_stop', async () => {
    const events = await streamEvents({ messages: [user('say hello')] })
    const types = events.map((e) => e.type).filter((t) => t !== 'content_block_delta' && t !== 'ping')
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ])
    const deltas = events.filter((e) => e.type === 'content_block_delta')
    expect(deltas.length).toBeGreaterThan(3)
    expect(deltas.map((e) => (e.delta as { type: string; text: string }).text).join('')).toBe(
      'Hello from the Messages API!',
    )
    expect(events[0]).toMatchObject({
      message: { role: 'assistant', content: [], usage: { input_tokens: expect.any(Number) } },
    })
    const end = events.find((e) => e.type === 'message_delta')
    expect(end).toMatchObject({
      delta: { stop_reason: 'end_turn' },
      usage: { output_tokens: expect.any(Number) },
    })
  })

  it('streams a tool_use block whose input_json_delta pieces parse to the scripted input', async () => {
    const system = [{ type: 'text', text: 'Here is useful information:\n  Working directory: /home/u/ws\n' }]
    const events = await streamEvents({ system, messages: [user('use tools')] })
    const starts = events.filter((e) => e.type === 'content_block_start')
    expect(starts.map((e) => [e.index, (e.content_block as { type: string }).type])).toEqual([
      [0, 'text'],
      [1, 'tool_use'],
    ])
    expect(starts[1]?.content_block).toMatchObject({
      id: expect.stringMatching(/^toolu_/),
      name: 'write',
      input: {},
    })
    const json = events
      .filter((e) => e.type === 'content_block_delta' && e.index === 1)
      .map((e) => e.delta as { type: string; partial_json: string })
    expect(json.every((d) => d.type === 'input_json_delta')).toBe(true)
    expect(json.length).toBeGreaterThan(2)
    expect(JSON.parse(json.map((d) => d.partial_json).join(''))).toEqual({
      filePath: '/home/u/ws/a.md',
      content: '# A',
    })
    expect(events.find((e) => e.type === 'message_delta')).toMatchObject({
      delta: { stop_reason: 'tool_use' },
    })
  })

  it('selects steps by assistant turns; tool_result user messages do not restart the exchange', async () => {
    const history = [
      user('use tools'),
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'write', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'ok' }] },
    ]
    const second = await message({ messages: history })
    expect(second).toMatchObject({
      stop_reason: 'tool_use',
      content: [{ type: 'tool_use', name: 'bash', input: { command: 'ls' } }],
    })
    const third = await message({
      messages: [
        ...history,
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_2', name: 'bash', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_2', content: 'a.md' }] },
      ],
    })
    expect(third).toMatchObject({
      type: 'message',
      stop_reason: 'end_turn',
      content: [{ type: 'text', text: 'Finished.' }],
    })
    expect(third.usage.input_tokens).toBeGreaterThan(0)
  })

  it('answers auxiliary requests and unmatched prompts with text', async () => {
    const aux = await message({ messages: [user('say hello')], tools: [] })
    expect(aux.content).toEqual([{ type: 'text', text: 'Scripted session' }])
    const unmatched = await message({ messages: [user('SAY HELLO')] })
    expect(unmatched.content[0]?.text).toBe('Scripted model: no script entry matches "SAY HELLO"')
  })

  it('answers an error step in Anthropic error format', async () => {
    const response = await messages({ messages: [user('overloaded')], stream: true })
    expect(response.status).toBe(529)
    expect(await response.json()).toMatchObject({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    })
  })

  it('requires x-api-key when an apiKey is set', async () => {
    const response = await messages({ messages: [user('say hello')] }, { authorization: `Bearer ${KEY}` })
    expect(response.status).toBe(401)
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } })
    expect(model.requests.at(-1)).toMatchObject({ api: 'anthropic', path: '/anthropic/v1/messages' })
    expect(model.requests.at(-1)?.headers['x-api-key']).toBeUndefined()
  })

  it('stops streaming at once when the client aborts mid-stream', async () => {
    const abort = new AbortController()
    const response = await messages({ messages: [user('long turn')], stream: true }, auth, abort.signal)
    let deltas = 0
    await expect(
      (async () => {
        for await (const message of sseMessages(response)) {
          if (message.event === 'content_block_delta' && ++deltas === 3) abort.abort()
        }
      })(),
    ).rejects.toThrow(/abort/i)
    await eventually(() => model.activeStreams === 0, 500)
    expect((await messages({ messages: [user('say hello')] })).status).toBe(200)
  })
})
