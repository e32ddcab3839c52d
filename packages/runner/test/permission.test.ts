import { afterEach, describe, expect, it } from 'vitest'
import {
  type Harness,
  INTEGRATION_TIMEOUT_MS,
  isStatus,
  READY_TIMEOUT_MS,
  startHarness,
} from './helpers/harness.ts'

let h: Harness | undefined
afterEach(async () => {
  await h?.cleanup()
  h = undefined
})

// Reading outside the workspace makes OpenCode ask for `external_directory`; nothing pre-allows it.
const script = {
  exchanges: [
    {
      match: 'read the hostname',
      steps: [
        { toolCalls: [{ name: 'read', arguments: { filePath: '/etc/hostname' } }] },
        { text: 'Read it.' },
      ],
    },
  ],
}

describe('permission asks are answered by the session policy', () => {
  it("policy 'allow' answers once and the tool completes", { timeout: INTEGRATION_TIMEOUT_MS }, async () => {
    h = await startHarness({ script, policy: 'allow' })
    const from = await h.waitFor((e) => e.type === 'agent.ready', 0, READY_TIMEOUT_MS)
    h.server.prompt('read the hostname please')
    const answered = await h.waitFor((e) => e.type === 'permission.answered', from)
    expect(h.server.events()[answered - 1]).toMatchObject({
      data: { permission: 'external_directory', patterns: ['/etc/*'], reply: 'once', by: 'policy' },
    })
    await h.waitFor(
      (e) => e.type === 'tool.updated' && e.data.tool === 'read' && e.data.status === 'completed',
      from,
    )
    await h.waitFor(isStatus('idle'), from)
  })

  it("policy 'deny' rejects and the tool fails", { timeout: INTEGRATION_TIMEOUT_MS }, async () => {
    h = await startHarness({ script, policy: 'deny' })
    const from = await h.waitFor((e) => e.type === 'agent.ready', 0, READY_TIMEOUT_MS)
    h.server.prompt('read the hostname please')
    const answered = await h.waitFor((e) => e.type === 'permission.answered', from)
    expect(h.server.events()[answered - 1]).toMatchObject({
      data: { permission: 'external_directory', reply: 'reject', by: 'policy' },
    })
    await h.waitFor(
      (e) => e.type === 'tool.updated' && e.data.tool === 'read' && e.data.status === 'error',
      from,
    )
    await h.waitFor(isStatus('idle'), from)
    const events = h.server.events()
    expect(
      events.some(
        (e) => e.type === 'tool.updated' && e.data.tool === 'read' && e.data.status === 'completed',
      ),
    ).toBe(false)
  })
})
