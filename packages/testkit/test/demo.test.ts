// The demo script end to end in real OpenCode, and the CLI that serves it for `npm run demo`.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { demoScript, scriptedModelConfig, startOpenCode, startScriptedModel } from '../src/index.ts'
import { assistantText, promptAndWait, toolParts } from './opencode-session.ts'
import { postJson } from './sse.ts'

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe('demo script', () => {
  it('creates, reads, edits and runs a file in real OpenCode, then explains it is not a real LLM', async () => {
    const model = await startScriptedModel({ script: demoScript })
    cleanups.push(() => model.close())
    const directory = await realpath(await mkdtemp(join(tmpdir(), 'testkit-demo-')))
    cleanups.push(() => rm(directory, { recursive: true, force: true }))
    const opencode = await startOpenCode({ directory, config: scriptedModelConfig(model) })
    cleanups.push(() => opencode.stop())

    const { messages } = await promptAndWait(opencode, 'Show me what Agent Ops can do')

    const tools = toolParts(messages)
    expect(tools.map((p) => [p.tool, p.state?.status])).toEqual([
      ['todowrite', 'completed'],
      ['bash', 'completed'],
      ['read', 'completed'],
      ['todowrite', 'completed'],
      ['edit', 'completed'],
      ['bash', 'completed'],
      ['todowrite', 'completed'],
      ['todowrite', 'completed'],
    ])
    expect(await readFile(join(directory, 'demo/hello.py'), 'utf8')).toBe(
      'def greet(name):\n    return f"Hello, {name}!"\n\nprint(greet("Agent Ops"))\n',
    )
    expect(tools[2]?.state?.output).toContain('print(greet("world"))') // read before the edit
    expect(tools[5]?.state?.output).toContain('Hello, Agent Ops!')
    const text = assistantText(messages)
    expect(text).toContain('Agent Ops demo model')
    expect(text).toContain('not a real LLM')
    expect(
      messages.at(-1)?.parts.some((p) => p.type === 'text' && p.text?.includes('## Demo complete')),
    ).toBe(true)
  })
})

describe('main.ts CLI', () => {
  it('prints its URLs as one JSON line, serves the demo script, and exits on SIGTERM', async () => {
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))
    const child = spawn(process.execPath, [main], { stdio: ['ignore', 'pipe', 'inherit'] })
    cleanups.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL')
    })
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string]
    const urls = JSON.parse(line) as { url: string; openaiBaseUrl: string; anthropicBaseUrl: string }
    expect(urls.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(urls.openaiBaseUrl).toBe(`${urls.url}/openai/v1`)
    expect(urls.anthropicBaseUrl).toBe(`${urls.url}/anthropic/v1`)

    const response = await postJson(`${urls.anthropicBaseUrl}/messages`, {
      model: 'scripted-model',
      max_tokens: 100,
      tools: [{ name: 'todowrite', input_schema: {} }],
      messages: [{ role: 'user', content: 'anything at all' }],
    })
    const body = (await response.json()) as { content: { type: string; name?: string }[] }
    expect(body.content.map((block) => block.name ?? block.type)).toEqual(['text', 'todowrite'])

    const exited = once(child, 'exit')
    child.kill('SIGTERM')
    expect(await exited).toEqual([0, null])
  })
})
