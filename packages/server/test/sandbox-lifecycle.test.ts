import { existsSync, readFileSync } from 'node:fs'
import type { SessionEvent } from '@agent-ops/protocol'
import type { Script } from '@agent-ops/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { collectEvents, createTestServer, idleCount, ofType, type TestServer } from './harness.ts'
import { noTraces, sandboxTraces } from './sandbox-traces.ts'

/** Hibernate and resume in a real bubblewrap sandbox: idle timeout, a message wakes it, conversation intact. */

const script: Script = {
  exchanges: [
    {
      match: 'remember the word pineapple',
      steps: [
        {
          toolCalls: [
            {
              name: 'bash',
              arguments: { command: 'echo pineapple > note.txt', description: 'Write the note' },
            },
          ],
        },
        { text: 'I will remember pineapple.' },
      ],
    },
    { match: 'which word did I ask', steps: [{ text: 'You asked me to remember pineapple.' }] },
  ],
}

const statusesIn = (events: SessionEvent[]) => ofType(events, 'session.status').map((e) => e.data.status)

let t: TestServer
beforeAll(async () => {
  t = await createTestServer({ isolated: true, script, config: { idleTimeoutMs: 3_000 } })
})
afterAll(async () => {
  await t?.close()
})

describe('hibernate and resume', () => {
  let id: string
  let seq: number

  it('an idle session hibernates after the idle timeout: no process left, files kept', async () => {
    const session = await t.client.sessions.create({ prompt: 'please remember the word pineapple' })
    id = session.id
    const events = await collectEvents(
      t.client,
      id,
      (e) => e.type === 'session.status' && e.data.status === 'hibernated',
      { timeoutMs: 180_000 },
    )
    expect(idleCount(events)).toBe(1)
    expect(statusesIn(events).slice(-3)).toEqual(['ready', 'hibernating', 'hibernated'])
    seq = events.at(-1)!.seq
    expect(sandboxTraces(t.sandboxDir!, id).processes).toEqual([])
    expect(readFileSync(`${t.workspaceOf(id)}/note.txt`, 'utf8')).toBe('pineapple\n')
    expect((await t.client.sessions.get(id)).status).toBe('hibernated')
  })

  it('a message resumes it, then reaches the agent with the conversation and workspace intact', async () => {
    const requestsBefore = t.model.requests.length
    const sent = await t.client.sessions.send(id, { text: 'which word did I ask you to remember?' })
    expect(sent.queued).toBe(true)
    const events = await collectEvents(
      t.client,
      id,
      (e) => e.type === 'agent.status' && e.data.status === 'idle',
      { after: seq, timeoutMs: 180_000 },
    )
    expect(statusesIn(events).slice(0, 3)).toEqual(['resuming', 'ready', 'working'])
    expect(ofType(events, 'text.done').at(-1)?.data.text).toBe('You asked me to remember pineapple.')
    // The model saw the first turn again: the agent resumed its conversation, not a new one.
    const request = JSON.stringify(t.model.requests.slice(requestsBefore).at(-1)?.body)
    expect(request).toContain('remember the word pineapple')
    expect(request).toContain('I will remember pineapple.')
    const note = await t.server.sandboxExec(id, ['cat', '/workspace/note.txt'])
    expect(note.stdout).toBe('pineapple\n')
    // The sandbox's launcher started this OpenCode, before the runner: its parent is the sandbox's init (pid 1),
    // not the runner, which adopted it.
    const parent = await t.server.sandboxExec(id, [
      'sh',
      '-c',
      'grep PPid /proc/$(cat /var/lib/agent-ops/opencode.pid)/status',
    ])
    expect(parent.stdout).toBe('PPid:\t1\n')
  })

  it("leaves OpenCode's global config dir read-only and empty: no plugin SDK installed into the session", async () => {
    // Writable, OpenCode would write a .gitignore there and install @opencode-ai/plugin (~64 MB) on its first
    // request, slowing every new session's creation.
    const dir = '/var/lib/agent-ops/config/opencode'
    const check = await t.server.sandboxExec(id, [
      'sh',
      '-c',
      `ls -A ${dir}; if [ -w ${dir} ]; then echo writable; else echo read-only; fi`,
    ])
    expect(check.stdout).toBe('read-only\n')
  })

  it('stopping removes the workspace, the cgroups, the mounts and the uid allocation', async () => {
    expect(sandboxTraces(t.sandboxDir!, id).mounts.length).toBeGreaterThan(0) // positive control
    await t.client.sessions.stop(id)
    expect(sandboxTraces(t.sandboxDir!, id)).toEqual(noTraces)
    expect(existsSync(t.workspaceOf(id))).toBe(false)
  })
})
