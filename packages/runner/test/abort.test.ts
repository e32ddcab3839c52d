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

describe('abort during a long turn', () => {
  it('goes idle quickly and reports the abort', { timeout: INTEGRATION_TIMEOUT_MS }, async () => {
    const long = slowText(400)
    h = await startHarness({ script: { exchanges: [{ match: 'long story', steps: [long] }] } })
    const from = await h.waitFor((e) => e.type === 'agent.ready', 0, READY_TIMEOUT_MS)
    h.server.prompt('tell me a long story')
    const streaming = await h.waitFor((e) => e.type === 'text.delta', from)
    const abortedAt = Date.now()
    h.server.abort()
    await h.waitFor(isStatus('idle'), streaming, 5_000)
    expect(Date.now() - abortedAt).toBeLessThan(3_000)
    await h.waitFor((e) => e.type === 'agent.error' && e.data.kind === 'aborted', streaming, 5_000)
    const streamed = h.server
      .events()
      .map((e) => (e.type === 'text.delta' ? e.data.delta : ''))
      .join('')
    expect(streamed.length).toBeLessThan(long.text.length)
  })
})
