import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { SandboxHandle } from '@agent-ops/sandbox'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bubblewrapProvider, launchWithoutServer } from './harness.ts'

/**
 * The runner's compile cache is made by the server and shared by every sandbox, read-only: a sandbox's runner
 * loads its modules from it, and no sandbox can change what another sandbox's runner will run.
 */
describe('the shared compile cache of the runner', () => {
  const rootDir = mkdtempSync(join(tmpdir(), 'aops-compile-cache-'))
  const provider = bubblewrapProvider(rootDir)
  let handle: SandboxHandle

  beforeAll(async () => {
    await provider.sweep(new Set()) // what a server does at start: the cache is made in the background
    await provider.close()
    handle = await provider.create({ sessionId: 'ses_compile_cache' })
    await provider.start(handle, launchWithoutServer())
  }, 120_000)
  afterAll(async () => {
    if (handle) await provider.destroy(handle)
    rmSync(rootDir, { recursive: true, force: true })
  })

  it('is what the sandbox’s Node uses for the runner’s modules', async () => {
    const load = await provider.exec(handle, [
      'env',
      'NODE_COMPILE_CACHE=/opt/agent-ops/compile-cache',
      'NODE_DEBUG_NATIVE=COMPILE_CACHE',
      '/opt/agent-ops/node/bin/node',
      '--input-type=module',
      '--eval',
      'await import("/opt/agent-ops/app/packages/runner/src/early-start.ts")',
    ])
    expect(load.stderr).toContain(
      'V8 code cache for ESM file:///opt/agent-ops/app/packages/runner/src/early-start.ts was accepted',
    )
    // The entry point too, run as the sandbox runs it (no runner environment here: it exits at once). Without its
    // cache, Node loads the TypeScript stripper for it before anything else.
    const entry = await provider.exec(handle, [
      'env',
      'NODE_COMPILE_CACHE=/opt/agent-ops/compile-cache',
      'NODE_DEBUG_NATIVE=COMPILE_CACHE',
      '/opt/agent-ops/node/bin/node',
      '/opt/agent-ops/app/packages/runner/src/main.ts',
    ])
    expect(entry.stderr).toContain(
      'retrieving transpile cache for StrippedTypeScript file:///opt/agent-ops/app/packages/runner/src/main.ts...success',
    )
    const runnerEnv = await provider.exec(handle, ['sh', '-c', "tr '\\0' '\\n' < /proc/2/environ"])
    expect(runnerEnv.stdout).toContain('NODE_COMPILE_CACHE=/opt/agent-ops/compile-cache\n')
  })

  it('cannot be written from inside a sandbox', async () => {
    const write = await provider.exec(handle, [
      'sh',
      '-c',
      'touch /opt/agent-ops/compile-cache/x; for f in /opt/agent-ops/compile-cache/*/*; do echo > "$f" && exit 0; done; exit 1',
    ])
    expect(write.exitCode).not.toBe(0)
    expect(write.stderr).toMatch(/Read-only file system/)
  })
})
