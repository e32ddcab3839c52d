// What the browser tests need: the built web client, Debian's Chromium, and the real server booted in-process
// against testkit's scripted model (the same pattern as packages/server/test/harness.ts).
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { type Client, createClient } from '@agent-ops/sdk'
import { type RunningServer, serve } from '@agent-ops/server'
import { type Script, type ScriptedModel, startScriptedModel } from '@agent-ops/testkit'
import { type Browser, chromium, type Page } from 'playwright-core'

export const adminToken = 'e2e-admin-token-0123456789'
export const scriptedModelRef = 'openai-compatible/scripted-model'

const run = promisify(execFile)
const repoRoot = fileURLToPath(new URL('..', import.meta.url))
const clientIndex = join(repoRoot, 'packages/client/dist/index.html')
const chromiumPath = '/usr/bin/chromium'
export const artifactsDir = join(repoRoot, 'e2e/artifacts')

/** Node's own directory first on PATH, so npm and the tools it starts run on this Node (24), not the machine's. */
function childEnv(): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` }
}

/** Builds the web client (the server serves packages/client/dist at `/`) when it has never been built. */
export async function ensureClientBuilt(): Promise<void> {
  if (existsSync(clientIndex)) return
  await run('npm', ['run', 'build', '-w', '@agent-ops/client'], { cwd: repoRoot, env: childEnv() })
  if (!existsSync(clientIndex)) throw new Error(`the client build did not produce ${clientIndex}`)
}

/** Installs Debian's Chromium when it is missing (root only); never Playwright's own browser downloads. */
export async function ensureChromium(): Promise<void> {
  if (existsSync(chromiumPath)) return
  if (process.getuid?.() !== 0) {
    throw new Error(`${chromiumPath} is missing; install it as root: apt-get install -y chromium`)
  }
  const install = () =>
    run('apt-get', ['install', '-y', '-qq', 'chromium'], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    })
  try {
    await install()
  } catch {
    await run('apt-get', ['update', '-qq'])
    await install()
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
}

export type E2eServer = {
  server: RunningServer
  client: Client
  model: ScriptedModel
  dataDir: string
  workspaceOf(sessionId: string): string
  /** Stops every session (so no runner or OpenCode outlives the test), then the server and the model. */
  close(): Promise<void>
}

/** The real server on an ephemeral loopback port, with the scripted model marked as the demo model. */
export async function startE2eServer(script: Script): Promise<E2eServer> {
  const model = await startScriptedModel({ script })
  const dataDir = await mkdtemp(join(tmpdir(), 'aops-e2e-'))
  let server: RunningServer
  try {
    server = await serve({
      port: 0,
      dataDir,
      adminToken,
      logLevel: 'warn',
      openaiCompatibleUrl: model.openaiBaseUrl,
      defaultModel: scriptedModelRef,
      demo: true,
    })
  } catch (error) {
    await model.close()
    await rm(dataDir, { recursive: true, force: true })
    throw error
  }
  const client = createClient({ baseUrl: server.url, token: adminToken })
  return {
    server,
    client,
    model,
    dataDir,
    workspaceOf: (id) => join(dataDir, 'sandboxes', id, 'workspace'),
    close: async () => {
      try {
        const { sessions } = await client.sessions.list()
        await Promise.all(
          sessions.filter((s) => s.status !== 'stopped').map((s) => client.sessions.stop(s.id)),
        )
      } finally {
        await server.close()
        await model.close()
        await rm(dataDir, { recursive: true, force: true })
      }
    },
  }
}

/**
 * Saves numbered screenshots of the page: e2e/artifacts/<prefix>-01-sign-in.png, ..., in the order taken.
 * The previous run's screenshots with the same prefix are removed first, so the folder shows one run.
 */
export async function screenshotter(page: Page, prefix: string): Promise<(step: string) => Promise<string>> {
  await mkdir(artifactsDir, { recursive: true })
  for (const name of await readdir(artifactsDir)) {
    if (name.startsWith(`${prefix}-`) && name.endsWith('.png')) await rm(join(artifactsDir, name))
  }
  let taken = 0
  return async (step) => {
    taken += 1
    const path = join(artifactsDir, `${prefix}-${String(taken).padStart(2, '0')}-${step}.png`)
    await page.screenshot({ path })
    return path
  }
}
