import { describe, expect, it } from 'vitest'
import { anthropicConversation } from '../src/anthropic.ts'
import { openaiConversation } from '../src/openai.ts'
import { type Conversation, chunkText, findWorkspace, planReply, type Script } from '../src/script.ts'

const tools = [{ type: 'function', function: { name: 'bash', parameters: {} } }]
const conversation = (over: Partial<Conversation>): Conversation => ({
  lastUserText: '',
  assistantTurnsSinceUser: 0,
  hasTools: true,
  workspace: undefined,
  ...over,
})
const script: Script = {
  exchanges: [
    { match: 'build', steps: [{ text: 'first' }, { text: 'second' }] },
    {
      match: /^fix (\w+)$/,
      steps: [{ toolCalls: [{ name: 'read', arguments: { filePath: '$WORKSPACE/a' } }] }],
    },
    { match: 'build it twice', steps: [{ text: 'never chosen: an earlier exchange matches first' }] },
  ],
}

describe('planReply', () => {
  it('picks the first matching exchange and the step by assistant turns since the user message', () => {
    expect(planReply(script, conversation({ lastUserText: 'please build it twice' })).text).toBe('first')
    expect(planReply(script, conversation({ lastUserText: 'build', assistantTurnsSinceUser: 1 })).text).toBe(
      'second',
    )
    expect(planReply(script, conversation({ lastUserText: 'build', assistantTurnsSinceUser: 2 })).text).toBe(
      'Done.',
    )
  })

  it('matches strings case-sensitively and RegExps with test()', () => {
    expect(planReply(script, conversation({ lastUserText: 'Build' })).text).toMatch(/no script entry matches/)
    const sticky: Script = { exchanges: [{ match: /go/g, steps: [{ text: 'went' }] }] }
    expect(planReply(sticky, conversation({ lastUserText: 'go' })).text).toBe('went')
    expect(planReply(sticky, conversation({ lastUserText: 'go' })).text).toBe('went') // lastIndex reset
  })

  it('answers auxiliary (tool-less) requests without consuming steps', () => {
    const reply = planReply(script, conversation({ lastUserText: 'build', hasTools: false }))
    expect(reply).toMatchObject({ text: 'Scripted session', toolCalls: [] })
  })

  it('names the unmatched message, cut to 80 characters', () => {
    const text = 'x'.repeat(100)
    expect(planReply(script, conversation({ lastUserText: text })).text).toBe(
      `Scripted model: no script entry matches "${'x'.repeat(80)}"`,
    )
  })

  it('replaces $WORKSPACE in tool arguments once the workspace is known', () => {
    const known = planReply(script, conversation({ lastUserText: 'fix it', workspace: '/w/s' }))
    expect(known.toolCalls).toEqual([{ name: 'read', arguments: { filePath: '/w/s/a' } }])
    const unknown = planReply(script, conversation({ lastUserText: 'fix it' }))
    expect(unknown.toolCalls[0]?.arguments).toEqual({ filePath: '$WORKSPACE/a' })
  })
})

describe('conversation extraction', () => {
  it('OpenAI: joins text parts, ignores tool results, counts assistant turns, reads the workspace', () => {
    const body = {
      tools,
      messages: [
        { role: 'system', content: 'You are opencode.\n<env>\n  Working directory: /tmp/ws one\n</env>' },
        { role: 'user', content: 'earlier' },
        { role: 'assistant', content: 'ok' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'build it' },
            { type: 'text', text: '<system-reminder>x</system-reminder>' },
          ],
        },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function' }] },
        { role: 'tool', tool_call_id: 'c', content: 'out' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'd', type: 'function' }] },
        { role: 'tool', tool_call_id: 'd', content: 'out' },
      ],
    }
    expect(openaiConversation(body)).toEqual({
      lastUserText: 'build it\n<system-reminder>x</system-reminder>',
      assistantTurnsSinceUser: 2,
      hasTools: true,
      workspace: '/tmp/ws one',
    })
    expect(openaiConversation({ messages: body.messages, tools: [] }).hasTools).toBe(false)
  })

  it('Anthropic: tool_result-only user messages do not start a turn; system may be blocks', () => {
    const body = {
      tools: [{ name: 'bash', input_schema: {} }],
      system: [{ type: 'text', text: 'Here is some useful information:\n  Working directory: /srv/w\n' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'create the file', cache_control: {} }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'bash', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'ok' }] },
      ],
    }
    expect(anthropicConversation(body)).toEqual({
      lastUserText: 'create the file',
      assistantTurnsSinceUser: 1,
      hasTools: true,
      workspace: '/srv/w',
    })
    expect(anthropicConversation({ messages: [{ role: 'user', content: 'hi' }] })).toMatchObject({
      lastUserText: 'hi',
      hasTools: false,
    })
  })

  it('finds no workspace when the system prompt has none', () => {
    expect(findWorkspace('You are a title generator.')).toBeUndefined()
  })
})

describe('chunkText', () => {
  it('splits into 4-8 character pieces that rejoin exactly, never splitting a code point', () => {
    const text = 'Hello 👋 world, this is a somewhat longer sentence.'
    const chunks = chunkText(text)
    expect(chunks.join('')).toBe(text)
    for (const chunk of chunks.slice(0, -1)) expect(Array.from(chunk).length).toBeGreaterThanOrEqual(4)
    for (const chunk of chunks) expect(Array.from(chunk).length).toBeLessThanOrEqual(8)
    expect(chunkText('')).toEqual([])
  })
})
