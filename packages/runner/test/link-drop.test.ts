import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type Harness,
  INTEGRATION_TIMEOUT_MS,
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

describe('the control link drops mid-turn', () => {
  it('reconnects and resends what the server missed: every event stored once, no gap', {
    timeout: INTEGRATION_TIMEOUT_MS,
  }, async () => {
    const long = slowText()
    h = await startHarness({ script: { exchanges: [{ match: 'story', steps: [long] }] } })
    const from = await h.waitFor((e) => e.type === 'agent.ready', 0, READY_TIMEOUT_MS)
    h.server.prompt('tell me a story')
    await h.waitFor((e) => e.type === 'text.delta', from)
    // Frames now die with the connection, unacknowledged; then the connection itself goes.
    h.server.holdAcks(true)
    h.server.loseIncoming(true)
    await sleep(400)
    const lostFrames = h.server.framesReceived
    h.server.dropConnections()
    h.server.loseIncoming(false)
    h.server.holdAcks(false)
    await h.waitFor(isStatus('idle'), from)

    expect(h.server.hellos.length).toBeGreaterThanOrEqual(2)
    expect(new Set(h.server.hellos.map((hello) => hello.runnerId)).size).toBe(1)
    expect(lostFrames).toBeGreaterThan(0)
    expect(h.server.gaps).toEqual([])
    const seqs = h.server.stored.map((s) => s.seq)
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1))
    const events = h.server.events()
    const streamed = events.map((e) => (e.type === 'text.delta' ? e.data.delta : '')).join('')
    expect(streamed).toBe(long.text)
    expect(events.filter((e) => e.type === 'text.done')).toHaveLength(1)
  })
})
