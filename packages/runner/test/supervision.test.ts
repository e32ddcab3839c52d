import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { startControlServer, type TestControlServer } from './helpers/control-server.ts'
import { isAlive } from './helpers/harness.ts'
import { type RunnerProcess, startRunnerProcess, testkitConfig } from './helpers/runner-process.ts'

// Stand-ins for the OpenCode binary (AGENT_OPS_OPENCODE_BIN): no real OpenCode is needed to test the
// runner's own supervision.
let server: TestControlServer | undefined
let runner: RunnerProcess | undefined
const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  await runner?.cleanup()
  for (const cleanup of cleanups.splice(0)) await cleanup()
  await server?.close()
  runner = undefined
  server = undefined
})

async function fakeBinary(dir: string, script: string) {
  const path = join(dir, 'fake-opencode.sh')
  await writeFile(path, `#!/bin/sh\n${script}\n`)
  await chmod(path, 0o755)
  return path
}

describe('runner supervision', () => {
  it('gives up after five crashes in a minute: agent_unrecoverable, exit 1', async () => {
    server = await startControlServer({ model: 'testkit/scripted-model', permissionPolicy: 'allow' })
    runner = await startRunnerProcess({
      controlUrl: server.url,
      token: server.token,
      opencodeConfig: testkitConfig('http://127.0.0.1:9/v1'),
      env: { AGENT_OPS_OPENCODE_BIN: '/bin/false' },
    })
    expect(await runner.exited).toBe(1)
    const kinds = server.events().map((e) => (e.type === 'agent.error' ? e.data.kind : e.type))
    expect(kinds).toEqual([...Array<string>(5).fill('agent_crashed'), 'agent_unrecoverable'])
  })

  it('when the server stays unreachable, stops OpenCode (even one still starting) and exits', async () => {
    // An "OpenCode" that never comes up: the runner must not leave it behind.
    const binDir = await mkdtemp(join(tmpdir(), 'runner-fake-opencode-'))
    cleanups.push(() => rm(binDir, { recursive: true, force: true }))
    const binary = await fakeBinary(binDir, 'exec sleep 600')
    runner = await startRunnerProcess({
      controlUrl: 'ws://127.0.0.1:9/internal/runner',
      token: 'token-never-accepted',
      opencodeConfig: testkitConfig('http://127.0.0.1:9/v1'),
      env: { AGENT_OPS_ORPHAN_TIMEOUT_MS: '1500', AGENT_OPS_OPENCODE_BIN: binary },
    })
    let pid: number | undefined
    while (pid === undefined && runner.child.exitCode === null) {
      pid = await runner.opencodePid()
      await sleep(20)
    }
    expect(pid).toBeDefined()
    expect(isAlive(pid ?? -1)).toBe(true)
    expect(await runner.exited).toBe(1)
    expect(isAlive(pid ?? -1)).toBe(false)
    expect(runner.logs()).toContain('server unreachable')
  })

  it('restarts an OpenCode that is healthy but never answers session creation, instead of hanging', async () => {
    // Listens and answers its health check like OpenCode, then holds every other request open forever.
    const binDir = await mkdtemp(join(tmpdir(), 'runner-fake-opencode-'))
    cleanups.push(() => rm(binDir, { recursive: true, force: true }))
    const fake = join(binDir, 'fake-opencode.mjs')
    await writeFile(
      fake,
      `import { createServer } from 'node:http'
const server = createServer((request, response) => {
  if (request.url.startsWith('/global/health')) response.end(JSON.stringify({ healthy: true, version: '0.0.0-fake' }))
})
server.listen(0, '127.0.0.1', () => console.log('opencode server listening on http://127.0.0.1:' + server.address().port))
`,
    )
    const binary = await fakeBinary(binDir, `exec "${process.execPath}" "${fake}"`)
    server = await startControlServer({ model: 'testkit/scripted-model', permissionPolicy: 'allow' })
    runner = await startRunnerProcess({
      controlUrl: server.url,
      token: server.token,
      opencodeConfig: testkitConfig('http://127.0.0.1:9/v1'),
      env: { AGENT_OPS_OPENCODE_BIN: binary, AGENT_OPS_OPENCODE_CONNECT_TIMEOUT_MS: '500' },
    })
    expect(await runner.exited).toBe(1)
    const errors = server.events().flatMap((e) => (e.type === 'agent.error' ? [e.data] : []))
    expect(errors.map((e) => e.kind)).toEqual([
      ...Array<string>(5).fill('agent_crashed'),
      'agent_unrecoverable',
    ])
    expect(errors[0]!.message).toContain('OpenCode session and event stream not ready within 500 ms')
  })
})
