import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { collectEvents, createTestServer, idleCount, describe as line, type TestServer } from './harness.ts'

let t: TestServer
beforeAll(async () => {
  t = await createTestServer({
    isolated: true,
    script: {
      exchanges: [
        {
          match: 'hi',
          steps: [
            {
              toolCalls: [{ name: 'bash', arguments: { command: 'id; echo hi > x.txt', description: 'x' } }],
            },
            { text: 'done' },
          ],
        },
      ],
    },
  })
})
afterAll(async () => {
  await t?.close()
})
it('runs in bubblewrap', async () => {
  const s = await t.client.sessions.create({ prompt: 'hi' })
  const ev = await collectEvents(t.client, s.id, (_e, seen) => idleCount(seen) >= 1, { timeoutMs: 60_000 })
  console.log(ev.map((e) => `${e.at} ${line(e)}`.slice(0, 90)).join('\n'))
  expect(readFileSync(`${t.workspaceOf(s.id)}/x.txt`, 'utf8')).toBe('hi\n')
}, 90_000)
