// Real OpenCode (node_modules/.bin/opencode) drives the scripted model in both wire formats: its tools run,
// the files appear on disk, and the conversation reads back through OpenCode's own API.
import { access, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type RecordedRequest,
  type Script,
  scriptedModelConfig,
  startOpenCode,
  startScriptedModel,
} from '../src/index.ts'
import { assistantText, promptAndWait, toolParts } from './opencode-session.ts'

const API_KEY = 'key-the-proxy-would-swap'

const APIS = ['openai', 'anthropic'] as const

/** One exchange per protocol, each creating its own file, so both can run in one OpenCode and workspace. */
const createFileScript: Script = {
  exchanges: APIS.map((api) => ({
    match: `create ${api}.txt`,
    steps: [
      {
        text: 'Creating it now.',
        toolCalls: [{ name: 'bash', arguments: { command: `printf 'made by opencode\\n' > ${api}.txt` } }],
      },
      { toolCalls: [{ name: 'read', arguments: { filePath: `$WORKSPACE/${api}.txt` } }] },
      { text: 'The file is created.' },
    ],
  })),
}

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/**
 * A stand-in `opencode serve`: prints its URL at once, answers /global/health 503 `unhealthyAnswers` times (as OpenCode
 * still starting would make a client wait), then 200, or exits instead. Logs each answer to its stdout.
 */
async function writeStandIn(
  directory: string,
  opts: { unhealthyAnswers: number; exitAfterUnhealthy?: boolean },
): Promise<string> {
  const binary = join(directory, 'standin-serve.mjs')
  await writeFile(
    binary,
    `#!${process.execPath}
import { createServer } from 'node:http'
let answers = 0
const server = createServer((request, response) => {
  answers += 1
  // A stand-in that is to exit never turns healthy: under load, a second health check could otherwise reach
  // it in the 10 ms before it exits and be answered 200.
  const status = answers > ${opts.unhealthyAnswers} && !${Boolean(opts.exitAfterUnhealthy)} ? 200 : 503
  console.log(\`health \${answers}: \${status}\`)
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ healthy: status === 200 }))
  if (status === 503 && ${Boolean(opts.exitAfterUnhealthy)}) setTimeout(() => process.exit(3), 10)
})
server.listen(0, '127.0.0.1', () => console.log(\`opencode server listening on http://127.0.0.1:\${server.address().port}\`))
`,
    { mode: 0o755 },
  )
  return binary
}

async function tempDir(): Promise<string> {
  const directory = await realpath(await mkdtemp(join(tmpdir(), 'testkit-workspace-')))
  cleanups.push(() => rm(directory, { recursive: true, force: true }))
  return directory
}

async function startModelAndOpenCode() {
  const model = await startScriptedModel({ script: createFileScript, apiKey: API_KEY })
  cleanups.push(() => model.close())
  const directory = await tempDir()
  // One OpenCode with a provider per protocol (providers testkit-openai and testkit-anthropic) saves a
  // start-up; each provider block is exactly what scriptedModelConfig gives a single-protocol caller.
  const [openai, anthropic] = APIS.map((api) =>
    scriptedModelConfig(model, { api, apiKey: API_KEY, providerId: `testkit-${api}` }),
  )
  const config = {
    ...openai,
    provider: { ...(openai?.provider as object), ...(anthropic?.provider as object) },
  }
  const opencode = await startOpenCode({ directory, config })
  cleanups.push(() => opencode.stop())
  return { model, directory, opencode }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('real OpenCode', () => {
  it('runs the scripted bash and read tools over both protocols, then shows the final text', async () => {
    const { model, directory, opencode } = await startModelAndOpenCode()
    for (const api of APIS) {
      const before = model.requests.length
      const modelRef = { providerID: `testkit-${api}`, modelID: model.modelId }
      const { messages } = await promptAndWait(opencode, `create ${api}.txt`, modelRef)

      expect(await readFile(join(directory, `${api}.txt`), 'utf8')).toBe('made by opencode\n')
      const tools = toolParts(messages)
      expect(tools.map((p) => [p.tool, p.state?.status])).toEqual([
        ['bash', 'completed'],
        ['read', 'completed'],
      ])
      // $WORKSPACE became the directory OpenCode reported in its system prompt.
      expect(tools[1]?.state?.input).toEqual({ filePath: join(directory, `${api}.txt`) })
      expect(tools[1]?.state?.output).toContain('made by opencode')
      expect(assistantText(messages)).toContain('Creating it now.')
      expect(assistantText(messages)).toContain('The file is created.')
      expect(messages.every((m) => m.info.error === undefined)).toBe(true)

      // The three steps went over this protocol with its key header (the title request may use either).
      const steps = model.requests
        .slice(before)
        .filter((r) => ((r.body as { tools?: unknown[] }).tools ?? []).length > 0)
      expect(steps.map((r) => r.api)).toEqual([api, api, api])
      const key = (r: RecordedRequest) =>
        api === 'openai' ? r.headers.authorization : r.headers['x-api-key']
      expect(steps.map(key)).toEqual(Array(3).fill(api === 'openai' ? `Bearer ${API_KEY}` : API_KEY))
    }
  })
})

describe('startOpenCode', () => {
  it('stops the whole process group and removes its isolated home', async () => {
    const { opencode } = await startModelAndOpenCode()
    expect(isAlive(opencode.pid)).toBe(true)
    const started = Date.now()
    await opencode.stop()
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(isAlive(opencode.pid)).toBe(false)
    expect(() => process.kill(-opencode.pid, 0)).toThrow() // no process left in the group
    await expect(access(opencode.home)).rejects.toThrow(/ENOENT/)
  })

  it('reports a process that exits during start-up, with its output', async () => {
    const directory = await tempDir()
    await expect(startOpenCode({ directory, config: {}, binary: '/bin/false' })).rejects.toThrow(
      /exited during start-up \(code 1\)/,
    )
  })

  it('fails after startTimeoutMs when no URL is printed, and kills the process', async () => {
    const directory = await tempDir()
    const binary = join(directory, 'silent-server')
    await writeFile(binary, `#!/bin/sh\necho "starting"\necho $$ > ${directory}/pid\nexec sleep 30\n`, {
      mode: 0o755,
    })
    const silent = startOpenCode({ directory, config: {}, binary, startTimeoutMs: 300 })
    await expect(silent).rejects.toThrow(/printed no URL within 300 ms:\nstarting/)
    expect(isAlive(Number(await readFile(join(directory, 'pid'), 'utf8')))).toBe(false)
  })

  it('resolves once the server answers its health check, not when it prints its URL', async () => {
    const directory = await tempDir()
    const binary = await writeStandIn(directory, { unhealthyAnswers: 3 })
    const opencode = await startOpenCode({ directory, config: {}, binary })
    cleanups.push(() => opencode.stop())
    // The stand-in answered 503 three times; startOpenCode kept asking until it answered 200.
    expect(opencode.logs()).toContain('health 4: 200')
  })

  it('reports a server that exits after printing its URL, before it is healthy', async () => {
    const directory = await tempDir()
    const binary = await writeStandIn(directory, { unhealthyAnswers: 1, exitAfterUnhealthy: true })
    const started = startOpenCode({ directory, config: {}, binary })
    // Should it resolve (the failure this test is for), the stand-in, which exits only after a 503, is stopped.
    cleanups.push(() =>
      started.then(
        (opencode) => opencode.stop(),
        () => {},
      ),
    )
    await expect(started).rejects.toThrow(/exited before it answered its health check:[\s\S]*health 1: 503/)
  })
})
