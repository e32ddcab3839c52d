// What the browser tests need: the built web client, Debian's Chromium, and the real server booted in-process
// against testkit's scripted model (the same pattern as packages/server/test/harness.ts).
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { ApiError, type Client, createClient, signInWithPassword } from '@agent-ops/sdk'
import { type ConfigInput, type RunningServer, serve } from '@agent-ops/server'
import { type Script, type ScriptedModel, startScriptedModel } from '@agent-ops/testkit'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'

export const scriptedModelRef = 'openai-compatible/scripted-model'

export type Account = { name: string; email: string; password: string }

/** The first account of every e2e server: created through the sign-up page, it owns the team. */
export const ownerAccount: Account = {
  name: 'Olive Owner',
  email: 'olive@example.test',
  password: 'correct horse battery staple',
}

const run = promisify(execFile)
const repoRoot = fileURLToPath(new URL('..', import.meta.url))
const clientIndex = join(repoRoot, 'packages/client/dist/index.html')
const panelPages = join(repoRoot, 'packages/client/dist/panels/terminal.html')
const chromiumPath = '/usr/bin/chromium'
export const artifactsDir = join(repoRoot, 'e2e/artifacts')

/** Node's own directory first on PATH, so npm and the tools it starts run on this Node (24), not the machine's. */
function childEnv(): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` }
}

/** Builds the web client (the server serves packages/client/dist at `/`) when it has never been built. */
export async function ensureClientBuilt(): Promise<void> {
  if (existsSync(clientIndex) && existsSync(panelPages)) return
  await run('npm', ['run', 'build', '-w', '@agent-ops/client'], { cwd: repoRoot, env: childEnv() })
  for (const built of [clientIndex, panelPages])
    if (!existsSync(built)) throw new Error(`the client build did not produce ${built}`)
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
  /** Where browsers open the app: the configured public URL, else the server's own loopback URL. */
  url: string
  model: ScriptedModel
  dataDir: string
  /** The SDK client of an existing account, signed in with its password (a cookie, as a browser holds). */
  clientOf(account: Account): Promise<Client>
  /** Stops every session (so no runner or OpenCode outlives the test), then the server and the model. */
  close(): Promise<void>
}

/**
 * The real server on a loopback port (ephemeral unless `config.port` is set), with the scripted model marked
 * as the demo model. No account exists yet: the test creates the first one, which owns the team.
 */
export async function startE2eServer(
  script: Script,
  opts: { config?: ConfigInput } = {},
): Promise<E2eServer> {
  const model = await startScriptedModel({ script })
  const dataDir = await mkdtemp(join(tmpdir(), 'aops-e2e-'))
  // The sandboxes' root: by default /var/lib/agent-ops/sandboxes/<hash of dataDir>, which each test run would leave
  // behind (the runner's compile cache, a link to Node). Not inside dataDir: the sandboxes' uids must pass through.
  const sandboxDir = await mkdtemp(join(tmpdir(), 'aops-e2e-sandboxes-'))
  let server: RunningServer
  try {
    server = await serve({
      port: 0,
      dataDir,
      sandboxDir,
      logLevel: 'warn',
      openaiCompatibleUrl: model.openaiBaseUrl,
      defaultModel: scriptedModelRef,
      demo: true,
      ...opts.config,
    })
  } catch (error) {
    await model.close()
    await rm(dataDir, { recursive: true, force: true })
    await rm(sandboxDir, { recursive: true, force: true })
    throw error
  }
  const url = opts.config?.publicUrl ?? server.url
  const clientOf = async (account: Account) => {
    const { cookie } = await signInWithPassword(url, account)
    return createClient({ baseUrl: url, cookie })
  }
  return {
    server,
    url,
    model,
    dataDir,
    clientOf,
    close: async () => {
      try {
        // The owner (an org owner may stop any session of the team); no owner yet means no session either.
        const owner = await clientOf(ownerAccount).catch((error) => {
          if (error instanceof ApiError && error.status === 401) return null
          throw error
        })
        const sessions = owner ? (await owner.sessions.list()).sessions : []
        await Promise.all(
          sessions.filter((s) => s.status !== 'stopped').map((s) => owner?.sessions.stop(s.id)),
        )
      } finally {
        await server.close()
        await model.close()
        await rm(dataDir, { recursive: true, force: true })
        await rm(sandboxDir, { recursive: true, force: true })
      }
    },
  }
}

/**
 * Saves numbered screenshots of the page (or of `of`, another browser's page): e2e/artifacts/<prefix>-01-sign-in.png,
 * ..., in the order taken.
 * The previous run's screenshots with the same prefix are removed first, so the folder shows one run.
 */
export async function screenshotter(
  page: Page,
  prefix: string,
): Promise<(step: string, of?: Page) => Promise<string>> {
  await mkdir(artifactsDir, { recursive: true })
  for (const name of await readdir(artifactsDir)) {
    if (name.startsWith(`${prefix}-`) && name.endsWith('.png')) await rm(join(artifactsDir, name))
  }
  let taken = 0
  return async (step, of = page) => {
    taken += 1
    const path = join(artifactsDir, `${prefix}-${String(taken).padStart(2, '0')}-${step}.png`)
    await of.screenshot({ path })
    return path
  }
}

/**
 * Creates an account through the sign-up form the page shows (the first account's, or an invited person's),
 * and waits until the app has signed it in.
 */
export async function signUpThroughPage(page: Page, account: Account): Promise<void> {
  await page.getByLabel('Name', { exact: true }).fill(account.name)
  await page.getByLabel('Email', { exact: true }).fill(account.email)
  await page.getByLabel('Password', { exact: true }).fill(account.password)
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.getByRole('button', { name: `Account: ${account.name}` }).waitFor({ timeout: 15_000 })
}

/**
 * Signs a browser context in without the form: the SDK signs in (or up) with the password, and its session cookie
 * goes into the context, as if the sign-in page had set it.
 */
export async function signInContext(
  context: BrowserContext,
  baseUrl: string,
  account: Account,
  opts: { signUp?: boolean } = {},
): Promise<void> {
  const { cookie } = await signInWithPassword(baseUrl, account, { signUp: opts.signUp })
  await context.addCookies(
    cookie.split('; ').map((pair) => {
      const at = pair.indexOf('=')
      return {
        name: pair.slice(0, at),
        value: pair.slice(at + 1),
        url: baseUrl,
        httpOnly: true,
        sameSite: 'Lax',
      }
    }),
  )
}

/** A free loopback port, for a server whose public URL (OAuth callbacks, cookies) must be known before it starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}
