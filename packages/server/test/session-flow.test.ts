import { readFileSync } from 'node:fs'
import { type SessionEvent, SessionLog, SessionTimeline } from '@agent-ops/protocol'
import { emptyTimeline, fromTimelineDocument, reduceEvents } from '@agent-ops/protocol/timeline'
import type { Script } from '@agent-ops/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withoutSupersededDeltas } from '../src/realtime/log-document.ts'
import {
  collectEvents,
  createTestServer,
  idleCount,
  describe as line,
  ofType,
  type TestServer,
} from './harness.ts'

const script: Script = {
  exchanges: [
    {
      match: 'create the greeting file',
      steps: [
        {
          text: 'Creating it.',
          toolCalls: [
            {
              name: 'bash',
              arguments: { command: "printf 'hello\\n' > greeting.txt", description: 'Create greeting.txt' },
            },
          ],
        },
        { toolCalls: [{ name: 'read', arguments: { filePath: '$WORKSPACE/greeting.txt' } }] },
        {
          toolCalls: [
            {
              name: 'edit',
              arguments: {
                filePath: '$WORKSPACE/greeting.txt',
                oldString: 'hello',
                newString: 'hello, world',
              },
            },
          ],
        },
        { text: 'I created **greeting.txt** and changed it to say hello, world.' },
      ],
    },
    {
      match: 'what did you write',
      steps: [{ text: 'I wrote hello, world into greeting.txt.' }],
    },
  ],
}

let t: TestServer
beforeAll(async () => {
  t = await createTestServer({ script })
})
afterAll(async () => {
  await t?.close()
})

/** Index of the first event matching, after `from`; -1 when missing. */
function indexOf(events: SessionEvent[], from: number, match: (e: SessionEvent) => boolean) {
  for (let i = from; i < events.length; i++) if (match(events[i]!)) return i
  return -1
}

describe('a prompt end to end: server, runner, OpenCode, scripted model', () => {
  it('runs bash, read and edit tools in the workspace and streams the answer in order', async () => {
    const session = await t.client.sessions.create({ prompt: 'Please create the greeting file' })
    expect(session.status).toMatch(/pending|provisioning/)
    expect(session.model).toBe('openai-compatible/scripted-model')

    const events = await collectEvents(
      t.client,
      session.id,
      (_e, seen) => idleCount(seen) >= 1 && seen.at(-1)?.type === 'session.status',
    )
    const trace = events.map(line).join('\n')

    expect(readFileSync(`${t.workspaceOf(session.id)}/greeting.txt`, 'utf8')).toBe('hello, world\n')

    // Sequence numbers are contiguous from 1.
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1))

    // Boot progress, then the conversation, in this order.
    const order = [
      (e: SessionEvent) => e.type === 'message.user' && e.data.text === 'Please create the greeting file',
      (e: SessionEvent) => e.type === 'session.progress' && e.data.step === 'sandbox.created',
      (e: SessionEvent) => e.type === 'agent.ready',
      (e: SessionEvent) => e.type === 'session.status' && e.data.status === 'working',
      (e: SessionEvent) => e.type === 'agent.status' && e.data.status === 'busy',
      (e: SessionEvent) =>
        e.type === 'tool.updated' && e.data.tool === 'bash' && e.data.status === 'completed',
      (e: SessionEvent) =>
        e.type === 'tool.updated' && e.data.tool === 'read' && e.data.status === 'completed',
      (e: SessionEvent) =>
        e.type === 'tool.updated' && e.data.tool === 'edit' && e.data.status === 'completed',
      (e: SessionEvent) => e.type === 'text.done' && e.data.text.includes('hello, world'),
      (e: SessionEvent) => e.type === 'agent.status' && e.data.status === 'idle',
      (e: SessionEvent) => e.type === 'session.status' && e.data.status === 'ready',
    ]
    let at = 0
    for (const [i, match] of order.entries()) {
      const found = indexOf(events, at, match)
      expect(found, `step ${i} missing or out of order in:\n${trace}`).toBeGreaterThanOrEqual(0)
      at = found + 1
    }

    const bash = ofType(events, 'tool.updated').find(
      (e) => e.data.tool === 'bash' && e.data.status === 'completed',
    )!
    expect(bash.data.input).toMatchObject({ command: "printf 'hello\\n' > greeting.txt" })
    const edit = ofType(events, 'tool.updated').find(
      (e) => e.data.tool === 'edit' && e.data.status === 'completed',
    )!
    expect(edit.data.input).toMatchObject({ oldString: 'hello', newString: 'hello, world' })

    // Deltas of the final part add up to its final text.
    const done = ofType(events, 'text.done').at(-1)!
    const deltas = ofType(events, 'text.delta').filter((e) => e.data.partId === done.data.partId)
    expect(deltas.length).toBeGreaterThan(0)
    expect(deltas.map((e) => e.data.delta).join('')).toBe(done.data.text)

    expect(ofType(events, 'usage').length).toBeGreaterThan(0)
    const after = await t.client.sessions.get(session.id)
    expect(after.status).toBe('ready')
    expect(after.usage.outputTokens).toBeGreaterThan(0)
    expect(after.lastEventSeq).toBe(events.at(-1)!.seq)
  })

  it('continues the conversation with a follow-up', async () => {
    const [session] = (await t.client.sessions.list()).sessions
    const sent = await t.client.sessions.send(session!.id, { text: 'what did you write?' })
    expect(sent.queued).toBe(false)
    const events = await collectEvents(
      t.client,
      session!.id,
      (e) => e.type === 'text.done' && e.data.text.includes('I wrote'),
      {
        after: session!.lastEventSeq,
      },
    )
    const { user } = await t.client.me()
    expect(ofType(events, 'message.user')[0]?.data).toMatchObject({
      text: 'what did you write?',
      author: { id: user.id, name: user.name },
    })
    // The model saw the earlier turn: OpenCode kept the conversation.
    const last = JSON.stringify(t.model.requests.at(-1)?.body)
    expect(last).toContain('Please create the greeting file')
  })

  it('stops the session and removes its sandbox', async () => {
    const [session] = (await t.client.sessions.list()).sessions
    const stopped = await t.client.sessions.stop(session!.id)
    expect(stopped.status).toBe('stopped')
    expect(() => readFileSync(`${t.workspaceOf(session!.id)}/greeting.txt`)).toThrow()
    await expect(t.client.sessions.send(session!.id, { text: 'hello?' })).rejects.toMatchObject({
      status: 409,
    })
    // Stopping again is harmless.
    expect((await t.client.sessions.stop(session!.id)).status).toBe('stopped')
  })

  it('serves the stored log as one document: the events the stream replays, from any sequence', async () => {
    const [session] = (await t.client.sessions.list()).sessions
    const { lastEventSeq } = session!
    const streamed = await collectEvents(t.client, session!.id, (e) => e.seq === lastEventSeq)
    const read = async (query: string) => {
      const response = await fetch(`${t.server.url}/api/sessions/${session!.id}/log${query}`, {
        headers: { authorization: `Bearer ${t.token}` },
      })
      expect(response.status).toBe(200)
      return SessionLog.parse(await response.json()).events
    }
    // Less the text deltas a later text.done supersedes (the log is short: one page).
    expect(await read('')).toEqual(withoutSupersededDeltas(streamed, new Set()))
    expect(await read('?after=5')).toEqual(withoutSupersededDeltas(streamed.slice(5), new Set()))
    expect((await read('')).at(-1)).toEqual(streamed.at(-1))
    expect(await read(`?after=${lastEventSeq}`)).toEqual([])
  })

  it('serves the stored log folded into the timeline the web app shows, to viewers', async () => {
    const [session] = (await t.client.sessions.list()).sessions
    const streamed = await collectEvents(t.client, session!.id, (e) => e.seq === session!.lastEventSeq)
    const response = await fetch(`${t.server.url}/api/sessions/${session!.id}/timeline`, {
      headers: { authorization: `Bearer ${t.token}` },
    })
    expect(response.status).toBe(200)
    const document = SessionTimeline.parse(await response.json())
    expect(fromTimelineDocument(document)).toEqual(reduceEvents(emptyTimeline, streamed))
    expect(document.items.some((item) => item.kind === 'tool')).toBe(true)
  })
})
