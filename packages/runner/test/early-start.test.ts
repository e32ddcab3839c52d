import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startOpencodeEarly } from '../src/early-start.ts'
import { createLogger } from '../src/log.ts'

let dir: string | undefined
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
  dir = undefined
})

describe('startOpencodeEarly', () => {
  it('spawns OpenCode before it returns, so loading the rest of the runner cannot delay it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'aops-early-'))
    const marker = join(dir, 'spawned')
    // A stand-in OpenCode that only proves it ran, then exits (the start then fails: that is not under test).
    const binary = join(dir, 'opencode')
    writeFileSync(binary, `#!/bin/sh\ntouch '${marker}'\n`)
    chmodSync(binary, 0o755)
    const abort = new AbortController()
    const started = startOpencodeEarly(
      {
        AGENT_OPS_STATE_DIR: join(dir, 'state'),
        AGENT_OPS_WORKSPACE: dir,
        AGENT_OPS_OPENCODE_CONFIG: JSON.stringify({ provider: {}, model: 'x/y' }),
        AGENT_OPS_OPENCODE_BIN: binary,
      },
      createLogger({ write: () => {} }),
      abort.signal,
    )
    expect(started).toBeDefined()
    // Hold the event loop, as the entry point does while it loads the runner's modules: a spawn still waiting
    // behind an await would never happen during this loop.
    const deadline = Date.now() + 20_000
    while (!existsSync(marker) && Date.now() < deadline) {
      // Busy wait on purpose (see above).
    }
    expect(existsSync(marker)).toBe(true)
    abort.abort()
    await started?.catch(() => {})
  })

  it('starts nothing when the environment is incomplete (the runner reports it)', () => {
    const started = startOpencodeEarly(
      { AGENT_OPS_WORKSPACE: '/workspace' },
      createLogger({ write: () => {} }),
      new AbortController().signal,
    )
    expect(started).toBeUndefined()
  })
})
