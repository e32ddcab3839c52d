import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { ApiError, createClient } from '@agent-ops/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bootstrapOwner, freePort, scriptedModelRef, startServerProcess } from './harness.ts'

/**
 * Without what isolation needs (here: no bubblewrap on PATH), the server starts but refuses sessions, saying
 * what is missing and how to fix it, unless told to run without isolation.
 */
describe('the start-up isolation check', () => {
  let dataDir: string
  let server: ChildProcess | undefined

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'aops-check-'))
  })
  afterAll(() => {
    server?.kill('SIGKILL')
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('refuses sessions with 503 naming what is missing, when bubblewrap cannot be found', async () => {
    const port = await freePort()
    server = await startServerProcess({
      AGENT_OPS_PORT: String(port),
      AGENT_OPS_DATA_DIR: dataDir,
      AGENT_OPS_OPENAI_COMPATIBLE_URL: 'http://127.0.0.1:9/v1',
      AGENT_OPS_DEFAULT_MODEL: scriptedModelRef,
      AGENT_OPS_UNSAFE_NO_ISOLATION: '0',
      PATH: dirname(process.execPath), // node only: no bwrap, python3, setpriv, slirp4netns, mkfs
    })
    const baseUrl = `http://127.0.0.1:${port}`
    const { token } = await bootstrapOwner(baseUrl)
    const client = createClient({ baseUrl, token })
    const error = await client.sessions.create({ prompt: 'hi' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).status).toBe(503)
    expect((error as ApiError).message).toMatch(/bubblewrap: bwrap not found/)
    expect((error as ApiError).message).toMatch(/apt-get install -y bubblewrap/)
    expect((error as ApiError).message).toMatch(/AGENT_OPS_UNSAFE_NO_ISOLATION=1/)
  })
})
