import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { waitForClaim } from '../src/claim.ts'
import { parseLlmForward, startLlmForward } from '../src/llm-forward.ts'

const dir = mkdtempSync(join(tmpdir(), 'aops-runner-plumbing-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('the LLM forwarder (sandbox loopback -> control socket)', () => {
  it('parses PORT:SOCKET and rejects anything else', () => {
    expect(parseLlmForward('4180:/run/agent-ops/control.sock')).toEqual({
      port: 4180,
      socketPath: '/run/agent-ops/control.sock',
    })
    expect(parseLlmForward(undefined)).toBeUndefined()
    expect(parseLlmForward('4180:relative.sock')).toBeUndefined()
  })

  it('carries HTTP from a TCP port to a Unix socket and back', async () => {
    const socketPath = join(dir, 'control.sock')
    const upstream = createServer((req, res) => res.end(`upstream saw ${req.method} ${req.url}`))
    await new Promise<void>((resolve) => upstream.listen(socketPath, resolve))
    const forward = await startLlmForward(0, socketPath)
    try {
      const { port } = forward.address() as AddressInfo
      const response = await fetch(`http://127.0.0.1:${port}/llm/openai/chat/completions`, { method: 'POST' })
      expect(await response.text()).toBe('upstream saw POST /llm/openai/chat/completions')
    } finally {
      forward.close()
      upstream.close()
    }
  })
})

describe('waitForClaim (warm pool)', () => {
  it('resolves only once the claim file appears', async () => {
    const claim = join(dir, 'claimed')
    let claimed = false
    const waiting = waitForClaim(claim).then(() => {
      claimed = true
    })
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(claimed).toBe(false)
    writeFileSync(claim, '')
    await waiting
    expect(claimed).toBe(true)
  })
})
