// The dev environment's panels in a real browser, against the real server, runner, OpenCode and bubblewrap
// sandbox with the testkit model: terminal, VS Code, the sandbox's Chromium through noVNC, ports, and a viewer's
// view-only browser. Screenshots of each step are saved in e2e/artifacts/ (panels-NN-*.png).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ApiError, createClient, signInWithPassword } from '@agent-ops/sdk'
import type { Script } from '@agent-ops/testkit'
import { type Browser, type BrowserContext, chromium, type FrameLocator, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type Account,
  type E2eServer,
  ensureChromium,
  ensureClientBuilt,
  launchChromium,
  ownerAccount,
  screenshotter,
  signInContext,
  signUpThroughPage,
  startE2eServer,
} from './helpers.ts'

const prompt = 'Write notes.txt for the panels tour.'
const answer = 'Wrote notes.txt in the workspace.'
const fileName = 'notes.txt'
const agentLine = 'written by the agent'
const editedLine = 'edited in VS Code'
const servePrompt = 'Serve the tour page on port 3000 and open it in the browser.'
const servedAnswer = 'The tour page is open in the browser.'
const pageTitle = 'Panels tour'
const script: Script = {
  exchanges: [
    {
      match: prompt,
      steps: [
        {
          text: 'Writing the file.',
          toolCalls: [
            { name: 'bash', arguments: { command: `printf '%s\\n' '${agentLine}' > ${fileName}` } },
          ],
        },
        { text: answer, chunkDelayMs: 10 },
      ],
    },
    {
      match: servePrompt,
      steps: [
        {
          text: 'Starting a dev server.',
          toolCalls: [
            {
              name: 'bash',
              arguments: {
                command: `printf '<title>${pageTitle}</title><h1>${pageTitle}</h1>' > tour.html && (nohup python3 -m http.server 3000 --bind 127.0.0.1 >/dev/null 2>&1 &) && sleep 1`,
              },
            },
          ],
        },
        {
          // OpenCode names an MCP tool <server>_<tool>: the `browser` server's browser_navigate.
          toolCalls: [
            { name: 'browser_browser_navigate', arguments: { url: 'http://127.0.0.1:3000/tour.html' } },
          ],
        },
        { text: servedAnswer },
      ],
    },
  ],
}
const viewerAccount: Account = {
  name: 'Vera Viewer',
  email: 'vera@example.test',
  password: 'viewer password 123',
}

let e2e: E2eServer
let browser: Browser
let ownerContext: BrowserContext
let profileDir = ''
let page: Page
let shot: (step: string, of?: Page) => Promise<string>
let sessionId = ''
const appErrors: string[] = []

/** Errors the app's own pages log (the panels' pages on the sandbox origins are the panels' business). */
function watchAppErrors(of: Page, who: string) {
  of.on('console', (message) => {
    const text = message.text()
    if (message.type() !== 'error' || text.startsWith('Failed to load resource')) return
    if (message.location().url.startsWith(e2e.url)) appErrors.push(`${who}: ${text}`)
  })
}

beforeAll(async () => {
  await Promise.all([ensureClientBuilt(), ensureChromium()])
  e2e = await startE2eServer(script)
  browser = await launchChromium()
  // The owner browses with a profile that allows third-party cookies (Chrome's default outside private windows).
  // Where they are blocked (Debian's Chromium, private windows), the browser also denies storage to embedded pages
  // of other sites, and VS Code, embedded from the sandbox origin, cannot start: the panel offers "Open in a new
  // tab" for those browsers.
  profileDir = await mkdtemp(join(tmpdir(), 'aops-e2e-profile-'))
  await mkdir(join(profileDir, 'Default'))
  await writeFile(
    join(profileDir, 'Default', 'Preferences'),
    JSON.stringify({ profile: { cookie_controls_mode: 0, block_third_party_cookies: false } }),
  )
  ownerContext = await chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'],
    viewport: { width: 1400, height: 860 },
    colorScheme: 'light',
  })
  page = ownerContext.pages()[0] ?? (await ownerContext.newPage())
  watchAppErrors(page, 'owner')
  shot = await screenshotter(page, 'panels')
}, 240_000)

afterAll(async () => {
  try {
    await ownerContext?.close()
    await browser?.close()
  } finally {
    await e2e?.close()
    if (profileDir) await rm(profileDir, { recursive: true, force: true })
  }
}, 90_000)

/** A file of the session's workspace, read inside its sandbox (the agent's own view of the disk). */
async function workspaceFile(name: string): Promise<string> {
  const result = await e2e.server.sandboxExec(sessionId, [
    'sh',
    '-c',
    `cd /workspace 2>/dev/null; cat ${name}`,
  ])
  if (result.exitCode !== 0) throw new Error(`cat ${name} failed: ${result.stderr}`)
  return result.stdout
}

const panelTabs = (of: Page = page) => of.getByRole('tablist', { name: 'Panels' }).getByRole('tab')
const frame = (title: string, of: Page = page): FrameLocator => of.frameLocator(`iframe[title="${title}"]`)

/** The text of xterm's rows (its DOM renderer keeps one div per screen line). */
async function terminalLines(terminal: FrameLocator): Promise<string[]> {
  return terminal.locator('.xterm-rows > div').evaluateAll((rows) => rows.map((row) => row.textContent ?? ''))
}

/** The part of a canvas the sampling reads (the e2e tests compile without the DOM library). */
type PixelSource = {
  width: number
  height: number
  getContext(
    kind: '2d',
  ): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null
}

/** Distinct colours among a sample of the noVNC canvas's pixels: 1 for a blank screen. */
async function canvasColours(view: FrameLocator): Promise<number> {
  return view
    .locator('canvas')
    .first()
    .evaluate((element) => {
      const canvas = element as unknown as PixelSource
      const context = canvas.getContext('2d')
      if (!context || canvas.width === 0 || canvas.height === 0) return 0
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height)
      const colours = new Set<number>()
      for (let i = 0; i < data.length; i += 4 * 211) {
        colours.add(((data[i] ?? 0) << 16) | ((data[i + 1] ?? 0) << 8) | (data[i + 2] ?? 0))
      }
      return colours.size
    })
}

async function waitForPicture(view: FrameLocator): Promise<number> {
  const deadline = Date.now() + 60_000
  let colours = 0
  while (Date.now() < deadline) {
    colours = await canvasColours(view).catch(() => 0)
    if (colours > 1) return colours
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  return colours
}

describe('panels in the session view', () => {
  it('starts a session whose agent writes a file', async () => {
    await page.goto(e2e.server.url)
    await signUpThroughPage(page, ownerAccount)
    const promptField = page.getByLabel('What should the agent do?')
    await promptField.fill(prompt)
    await promptField.press('Control+Enter')
    await page.waitForURL(/\/sessions\/[^/]+$/, { timeout: 10_000 })
    sessionId = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1) ?? '')
    await page.getByText(answer).waitFor({ timeout: 150_000 })
    await page.getByRole('status', { name: 'Status: ready' }).waitFor({ timeout: 30_000 })
    expect(await workspaceFile(fileName)).toBe(`${agentLine}\n`)
    await shot('session-ready')
  }, 240_000)

  it('opens the terminal and runs a command in the sandbox', async () => {
    await page.getByRole('button', { name: 'Panels' }).click()
    // The panel area loads on first open (a labelled spinner meanwhile).
    await panelTabs().first().waitFor({ timeout: 30_000 })
    expect(await panelTabs().allTextContents()).toEqual(['Terminal', 'VS Code', 'Browser', 'Ports'])
    expect(await page.getByRole('tab', { name: 'Terminal', exact: true }).getAttribute('aria-selected')).toBe(
      'true',
    )
    const terminal = frame('Terminal 1')
    await terminal.locator('.xterm-rows').waitFor({ timeout: 60_000 })
    // The shell's prompt, then the command and its answer.
    await expect
      .poll(async () => (await terminalLines(terminal)).join('').trim().length, { timeout: 30_000 })
      .toBeGreaterThan(0)
    await terminal.locator('.xterm-screen').click()
    await page.keyboard.type('echo $((6*7))')
    await page.keyboard.press('Enter')
    await expect
      .poll(async () => (await terminalLines(terminal)).map((line) => line.trim()), { timeout: 20_000 })
      .toContain('42')
    await shot('terminal')
  }, 120_000)

  it("shows the agent's file in VS Code, edits it and saves it to the workspace", async () => {
    await page.getByRole('tab', { name: 'VS Code' }).click()
    // Starting takes a while: the panel names the step under way rather than spinning silently.
    const vscode = frame('VS Code')
    await vscode.locator('.monaco-workbench').waitFor({ timeout: 180_000 })
    await shot('vscode-open')
    const item = vscode.getByRole('treeitem', { name: new RegExp(fileName.replace('.', '\\.')) })
    try {
      await item.waitFor({ timeout: 20_000 })
    } catch {
      // The explorer was closed: open it with its shortcut.
      await vscode.locator('.monaco-workbench').click({ position: { x: 300, y: 300 } })
      await page.keyboard.press('Control+Shift+E')
      await item.waitFor({ timeout: 20_000 })
    }
    await item.click()
    const editor = vscode.locator('.monaco-editor .view-lines').first()
    await editor.getByText(agentLine).waitFor({ timeout: 30_000 })
    await editor.click()
    await page.keyboard.press('Control+End')
    await page.keyboard.type(editedLine)
    await page.keyboard.press('Control+S')
    await expect.poll(() => workspaceFile(fileName), { timeout: 20_000 }).toContain(editedLine)
    expect(await workspaceFile(fileName)).toContain(agentLine)
    await shot('vscode-saved')
  }, 300_000)

  it('shows the sandbox browser through noVNC, not a blank screen', async () => {
    await page.getByRole('tab', { name: 'Browser' }).click()
    const view = frame('Browser')
    await view.getByText('Connected', { exact: true }).waitFor({ timeout: 180_000 })
    const colours = await waitForPicture(view)
    await shot('browser')
    expect(colours).toBeGreaterThan(1)
    // The terminal stayed mounted: back on its tab, the earlier answer is still there.
    await page.getByRole('tab', { name: 'Terminal', exact: true }).click()
    expect((await terminalLines(frame('Terminal 1'))).map((line) => line.trim())).toContain('42')
  }, 240_000)

  it('shows the page the agent opened through MCP in the same browser', async () => {
    await page.locator('#composer-text').fill(servePrompt)
    await page.keyboard.press('Control+Enter')
    await page.getByText(servedAnswer).waitFor({ timeout: 120_000 })
    // The page is in the Chromium people watch: its DevTools list (inside the sandbox) names it.
    const list = await e2e.server.sandboxExec(sessionId, [
      'python3',
      '-c',
      'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:9222/json/list").read().decode())',
    ])
    expect(list.stdout).toContain(pageTitle)
    await page.getByRole('tab', { name: 'Browser' }).click()
    // Chromium repaints through VNC within a frame or two; the screenshot shows the agent's page.
    await page.waitForTimeout(1_500)
    await shot('browser-agent-page')
  }, 180_000)

  it('opens the dev server the agent started through its forwarded port, and shows memory per service', async () => {
    await page.getByRole('tab', { name: 'Ports' }).click()
    await page.getByText('/port/3000/').waitFor()
    await page.getByText(/VS Code · \d+ MB/).waitFor({ timeout: 15_000 })
    await shot('ports')
    const opened = ownerContext.waitForEvent('page')
    await page.getByRole('button', { name: 'Open', exact: true }).click()
    const served = await opened
    // python's http.server lists the workspace: the agent's files, reached through the gateway.
    await served.getByText('tour.html').waitFor({ timeout: 30_000 })
    expect(new URL(served.url()).pathname).toBe('/port/3000/')
    expect(new URL(served.url()).hostname).toMatch(/\.sandbox\.localhost$/)
    await shot('port-3000', served)
    await served.close()
  }, 120_000)

  it('shows a viewer the browser only, view only', async () => {
    const owner = await e2e.clientOf(ownerAccount)
    const invite = await owner.org.invite({ email: viewerAccount.email })
    const { cookie } = await signInWithPassword(e2e.url, viewerAccount, { signUp: true })
    const viewerClient = createClient({ baseUrl: e2e.url, cookie })
    // An invite for their address is taken at sign-up; accept it by token otherwise.
    let me = await viewerClient.me()
    if (!me.org) {
      await viewerClient.org.acceptInvite(invite.token)
      me = await viewerClient.me()
    }
    await owner.sharing.setParticipant(sessionId, me.user.id, 'viewer')
    // The server refuses the viewer every other panel, not only the page.
    await expect(viewerClient.sessions.panelToken(sessionId, 'terminal')).rejects.toBeInstanceOf(ApiError)

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' })
    await signInContext(context, e2e.url, viewerAccount)
    const viewer = await context.newPage()
    watchAppErrors(viewer, 'viewer')
    await viewer.goto(`${e2e.url}/sessions/${sessionId}`)
    await viewer.getByText('You are a viewer of this session').waitFor({ timeout: 15_000 })
    await viewer.getByRole('button', { name: 'Panels' }).click()
    await panelTabs(viewer).first().waitFor({ timeout: 30_000 })
    expect(await panelTabs(viewer).allTextContents()).toEqual(['Browser (view only)'])
    await viewer.getByText('As a viewer you can watch the browser').waitFor()
    const view = frame('Browser', viewer)
    await view.getByText('Connected · view only').waitFor({ timeout: 60_000 })
    const colours = await waitForPicture(view)
    await shot('viewer-browser', viewer)
    expect(colours).toBeGreaterThan(1)
    await context.close()
  }, 180_000)

  it('logged no errors in the app', () => {
    expect(appErrors).toEqual([])
  })
})
