import { afterEach, describe, expect, it } from 'vitest'
import {
  type Harness,
  INTEGRATION_TIMEOUT_MS,
  isAlive,
  isStatus,
  READY_TIMEOUT_MS,
  slowText,
  startHarness,
} from './helpers/harness.ts'

let h: Harness | undefined
afterEach(async () => {
  await h?.cleanup()
  h = undefined
})

describe('OpenCode is killed mid-turn', () => {
  it('reports the crash, restarts it with the same conversation, and the next prompt works', {
    timeout: 2 * INTEGRATION_TIMEOUT_MS,
  }, async () => {
    h = await startHarness({
      script: {
        exchanges: [
          { match: 'long story', steps: [slowText(400)] },
          { match: 'second question', steps: [{ text: 'The second answer.' }] },
        ],
      },
    })
    const from = await h.waitFor((e) => e.type === 'agent.ready', 0, READY_TIMEOUT_MS)
    h.server.prompt('tell me a long story')
    await h.waitFor((e) => e.type === 'text.delta', from)
    const pid = await h.runner.opencodePid()
    if (pid === undefined) throw new Error('no opencode.pid written')
    process.kill(-pid, 'SIGKILL')

    const crashed = await h.waitFor((e) => e.type === 'agent.error' && e.data.kind === 'agent_crashed', from)
    const restarted = await h.waitFor((e) => e.type === 'agent.restarted', crashed, READY_TIMEOUT_MS)
    expect(h.server.events()[restarted - 1]).toMatchObject({
      type: 'agent.restarted',
      data: { attempt: 1, reason: expect.stringContaining('SIGKILL') },
    })
    // The turn it was in is over.
    expect(h.server.events().slice(crashed, restarted).some(isStatus('idle'))).toBe(true)
    const newPid = await h.runner.opencodePid()
    expect(newPid).not.toBe(pid)
    expect(isAlive(pid)).toBe(false)

    const requestsBefore = h.model.requests.length
    h.server.prompt('second question')
    const done = await h.waitFor(
      (e) => e.type === 'text.done' && e.data.text === 'The second answer.',
      restarted,
    )
    await h.waitFor(isStatus('idle'), done)
    // Same OpenCode session: the model sees the earlier conversation.
    const later = h.model.requests.slice(requestsBefore).map((r) => JSON.stringify(r.body))
    const withTools = later.filter((body) => body.includes('second question') && body.includes('"tools"'))
    expect(withTools.length).toBeGreaterThan(0)
    expect(withTools[0]).toContain('tell me a long story')
    expect(h.server.gaps).toEqual([])
  })
})
