// The web client against the real server, runner, OpenCode and the scripted demo model, driven through
// Debian's Chromium with accessible locators. Screenshots of every step land in e2e/artifacts/.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { demoScript, type Script } from '@agent-ops/testkit'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  adminToken,
  type E2eServer,
  ensureChromium,
  ensureClientBuilt,
  launchChromium,
  screenshotter,
  startE2eServer,
} from './helpers.ts'

const demoPrompt = 'Create a tiny Python project, edit it and run it.'
const followUp = 'What did the script print?'
const followUpAnswer = 'It printed "Hello, Agent Ops!" after the edit.'
const slowPrompt = 'Tell me a slow story.'
const storyStart = 'Once upon a time'
const storyEnd = 'And that was the end of the slow story.'
/** ~250 chunks at 100 ms: about 25 s of streaming, far longer than the test waits before aborting. */
const slowStory = `${storyStart}, ${'a scripted model streamed one short chunk at a time. '.repeat(30)}${storyEnd}`

// Specific exchanges first: the demo exchange matches any message.
const script: Script = {
  exchanges: [
    { match: followUp, steps: [{ text: followUpAnswer, chunkDelayMs: 15 }] },
    { match: slowPrompt, steps: [{ text: slowStory, chunkDelayMs: 100 }] },
    ...demoScript.exchanges,
  ],
}

let e2e: E2eServer
let browser: Browser
let page: Page
let shot: (step: string) => Promise<string>
let sessionId = ''
const pageErrors: string[] = []

beforeAll(async () => {
  await Promise.all([ensureClientBuilt(), ensureChromium()])
  e2e = await startE2eServer(script)
  browser = await launchChromium()
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' })
  page = await context.newPage()
  page.on('pageerror', (error) => pageErrors.push(error.message))
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`)
  })
  shot = await screenshotter(page)
}, 240_000)

afterAll(async () => {
  try {
    await browser?.close()
  } finally {
    await e2e?.close()
  }
}, 90_000)

const userMessages = () => page.getByRole('article', { name: /^Message from / })
const toolCards = () => page.getByRole('article', { name: /^Tool / })
const doneTools = (tool: string) => page.getByRole('article', { name: `Tool ${tool}, done` })
// The status badge has no accessible name of its own; its exact text is unique on the session page.
const statusBadge = (status: string) => page.getByRole('main').getByText(status, { exact: true })
// A sentence of the demo's final answer free of markdown, so it matches whether the client renders markdown.
const finalAnswer = () => page.getByText('Every step above was real, though: OpenCode ran its own tools')

describe('a demo session in the web client', () => {
  it('signs in with the admin token and shows the demo banner', async () => {
    await page.goto(e2e.server.url)
    const token = page.getByLabel('Access token')
    await token.waitFor()
    await shot('token-form')
    await token.fill(adminToken)
    await page.getByRole('button', { name: 'Sign in' }).click()
    const banner = page.getByRole('note')
    await banner.waitFor()
    expect(await banner.textContent()).toContain('Demo model: scripted responses, not a real LLM.')
    await page.getByRole('heading', { name: 'Sessions' }).waitFor()
    await shot('sessions-demo-banner')
  })

  it('starts a session with Ctrl+Enter and opens its view at once, showing boot progress', async () => {
    const prompt = page.getByLabel('What should the agent do?')
    await prompt.fill(demoPrompt)
    await prompt.press('Control+Enter')
    await page.waitForURL(/\/sessions\/[^/]+$/, { timeout: 10_000 })
    sessionId = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1) ?? '')
    expect(sessionId).not.toBe('')
    const booting = page
      .getByRole('status', { name: 'The session is starting' })
      .or(page.getByText('Sandbox created'))
      .first()
    await booting.waitFor({ timeout: 5_000 })
    await userMessages().filter({ hasText: demoPrompt }).waitFor({ timeout: 5_000 })
    await shot('session-booting')
  })

  it('shows the completed tool cards and the final answer; the file exists in the workspace', async () => {
    await finalAnswer().waitFor({ timeout: 120_000 })
    await statusBadge('ready').waitFor({ timeout: 30_000 })
    expect(await doneTools('bash').count()).toBe(2)
    expect(await doneTools('read').count()).toBe(1)
    expect(await doneTools('edit').count()).toBe(1)
    const runCard = doneTools('bash').filter({ hasText: 'python3 demo/hello.py' })
    expect(await runCard.count()).toBe(1)
    expect(await runCard.getByText('python3 demo/hello.py').isVisible()).toBe(true)
    expect(await finalAnswer().isVisible()).toBe(true)
    await shot('demo-finished')

    const file = await readFile(join(e2e.workspaceOf(sessionId), 'demo/hello.py'), 'utf8')
    expect(file).toContain('print(greet("Agent Ops"))')
    await runCard.evaluate((card) => card.scrollIntoView({ block: 'start' }))
    await shot('demo-tool-cards')
    // The script really ran: its output is in the card.
    await runCard.getByText(/^Output \(/).click()
    await runCard.getByText('Hello, Agent Ops!').waitFor({ timeout: 5_000 })
    await shot('bash-output-open')
  }, 180_000)

  it('sends a follow-up from the composer and shows the answer', async () => {
    const composer = page.getByLabel('Message to the agent')
    await composer.fill(followUp)
    await page.getByRole('button', { name: 'Send', exact: true }).click()
    await userMessages().filter({ hasText: followUp }).waitFor({ timeout: 10_000 })
    await page.getByText(followUpAnswer).waitFor({ timeout: 60_000 })
    await statusBadge('ready').waitFor({ timeout: 30_000 })
    expect(await userMessages().count()).toBe(2)
    // The timeline stays where the reader scrolled (the output opened above); bring the answer into view.
    await page.getByText(followUpAnswer).scrollIntoViewIfNeeded()
    await shot('follow-up-answered')
  }, 120_000)

  it('shows the same timeline after a reload, nothing duplicated', async () => {
    const before = { users: await userMessages().count(), tools: await toolCards().count() }
    await page.reload()
    await page.getByText(followUpAnswer).waitFor({ timeout: 15_000 })
    await statusBadge('ready').waitFor({ timeout: 15_000 })
    expect({ users: await userMessages().count(), tools: await toolCards().count() }).toEqual(before)
    expect(await finalAnswer().count()).toBe(1)
    expect(await page.getByText(followUpAnswer).count()).toBe(1)
    await shot('after-reload')
  })

  it('survives a reload mid-stream, then aborts the turn and returns to ready', async () => {
    const tools = await toolCards().count()
    const composer = page.getByLabel('Message to the agent')
    await composer.fill(slowPrompt)
    await composer.press('Control+Enter')
    const story = page.getByText(storyStart)
    await story.waitFor({ timeout: 30_000 })

    await page.reload()
    await story.waitFor({ timeout: 15_000 })
    expect(await userMessages().count()).toBe(3)
    expect(await toolCards().count()).toBe(tools)
    expect(await story.count()).toBe(1)
    // Still streaming after the reload: the text keeps growing.
    const streamedChars = (await story.textContent())?.length ?? 0
    await expect
      .poll(async () => (await story.textContent())?.length ?? 0, { timeout: 10_000 })
      .toBeGreaterThan(streamedChars)
    await shot('streaming-after-reload')

    await page.getByRole('button', { name: 'Abort' }).click()
    await statusBadge('ready').waitFor({ timeout: 15_000 })
    await page.getByRole('button', { name: 'Abort' }).waitFor({ state: 'hidden', timeout: 5_000 })
    // The model stopped streaming: the abort reached the provider, not just the page.
    await expect.poll(() => e2e.model.activeStreams, { timeout: 5_000 }).toBe(0)
    expect(await page.getByText(storyEnd).count()).toBe(0)
    await shot('aborted-ready')
    expect(pageErrors).toEqual([])
  }, 120_000)
})
