import { type Dirent, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { Script } from '@agent-ops/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { collectEvents, createTestServer, describe as line, ofType, type TestServer } from './harness.ts'

const providerKey = 'sk-agentops-test-provider-key-6f1d2c'
const script: Script = {
  exchanges: [
    {
      match: 'look outside',
      steps: [
        { toolCalls: [{ name: 'read', arguments: { filePath: '/etc/hostname' } }] },
        { text: 'I read the host name.' },
      ],
    },
  ],
}

function filesUnder(dir: string): string[] {
  let entries: Dirent[] = []
  try {
    entries = readdirSync(dir, { withFileTypes: true })
  } catch (error) {
    // A cache directory removed while we walk holds nothing.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return filesUnder(path)
    return entry.isFile() ? [path] : []
  })
}

let t: TestServer
beforeAll(async () => {
  // The scripted model refuses any request without the real key: the proxy must swap it in.
  t = await createTestServer({ script, modelApiKey: providerKey })
})
afterAll(async () => {
  await t?.close()
})

describe('secrets stay out of the sandbox; permission requests are answered by policy', () => {
  it('answers the permission request by policy and never hands the provider key to the sandbox', async () => {
    const session = await t.client.sessions.create({ prompt: 'please look outside the workspace' })
    const events = await collectEvents(
      t.client,
      session.id,
      (e) => e.type === 'text.done' && e.data.text === 'I read the host name.',
    )
    const trace = events.map(line).join('\n')

    const answered = ofType(events, 'permission.answered')
    expect(answered.length, trace).toBeGreaterThan(0)
    expect(answered[0]!.data).toMatchObject({ permission: 'external_directory', reply: 'once', by: 'policy' })
    const read = ofType(events, 'tool.updated').find(
      (e) => e.data.tool === 'read' && e.data.status === 'completed',
    )
    expect(read, trace).toBeDefined()

    // Every model request went through the proxy and reached the provider with the real key...
    const stepRequests = t.model.requests.filter((r) => r.path.endsWith('/chat/completions'))
    expect(stepRequests.length).toBeGreaterThan(0)
    for (const r of stepRequests) expect(r.headers.authorization).toBe(`Bearer ${providerKey}`)

    // ...while the key is nowhere in the sandbox: not in any file (OpenCode's config included)...
    const sandboxDir = join(t.dataDir, 'sandboxes', session.id)
    const files = filesUnder(sandboxDir).filter(
      (f) => (statSync(f, { throwIfNoEntry: false })?.size ?? 0) < 50_000_000,
    )
    expect(files.some((f) => f.endsWith('opencode.pid'))).toBe(true)
    for (const file of files) {
      // OpenCode's caches create and delete temporary files meanwhile; one that is gone holds nothing.
      const content = (() => {
        try {
          return readFileSync(file)
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0)
          throw error
        }
      })()
      expect(content.includes(providerKey), file).toBe(false)
    }
    // ...nor in the environment of the runner or of OpenCode.
    const runnerPid = Number(readFileSync(join(sandboxDir, 'runner.pid'), 'utf8'))
    const opencodePid = Number(readFileSync(join(sandboxDir, 'state', 'opencode.pid'), 'utf8'))
    for (const pid of [runnerPid, opencodePid]) {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8')
      expect(environ.length).toBeGreaterThan(0)
      expect(environ.includes(providerKey)).toBe(false)
      expect(environ).not.toMatch(
        /ANTHROPIC_API_KEY|OPENAI_API_KEY|GOOGLE_GENERATIVE_AI_API_KEY|AGENT_OPS_OPENAI_COMPATIBLE_KEY/,
      )
    }
    // OpenCode does not even get the runner's control token.
    expect(readFileSync(`/proc/${opencodePid}/environ`, 'utf8')).not.toContain('AGENT_OPS_CONTROL_TOKEN')
  })

  it('rejects LLM proxy calls without a live session token', async () => {
    const url = `${t.server.url}/llm/openai-compatible/chat/completions`
    const body = JSON.stringify({ model: 'scripted-model', messages: [] })
    for (const authorization of [undefined, 'Bearer nope', `Bearer ${providerKey}`]) {
      const response = await fetch(url, {
        method: 'POST',
        body,
        headers: authorization ? { authorization } : {},
      })
      expect(response.status, String(authorization)).toBe(401)
    }
  })
})
