// The acceptance journey in the web client, against the real server, runner, OpenCode and the scripted
// demo model, driven through Debian's Chromium with accessible locators. Screenshots of every step land in
// e2e/artifacts/ (session-NN-*.png).
import { copyFile } from 'node:fs/promises'
import { demoScript, type Script } from '@agent-ops/testkit'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type E2eServer,
  ensureChromium,
  ensureClientBuilt,
  launchChromium,
  ownerAccount,
  screenshotter,
  signUpThroughPage,
  startE2eServer,
} from './helpers.ts'

const demoPrompt = 'Create a tiny Python project, edit it and run it.'
const followUp = 'What did the script print?'
const followUpAnswer = 'It printed "Hello, Agent Ops!" after the edit.'
const queuedPrompt = 'Summarize the session in one line.'
const queuedAnswer = 'One line: a Python greeting was written, edited and run.'
const slowPrompt = 'Tell me a slow story.'
const storyStart = 'Once upon a time'
const storyEnd = 'And that was the end of the slow story.'
/** ~250 chunks at 100 ms: about 25 s of streaming, far longer than the test waits before aborting. */
const slowStory = `${storyStart}, ${'a scripted model streamed one short chunk at a time. '.repeat(30)}${storyEnd}`

// Specific exchanges first: the demo exchange matches any message.
const script: Script = {
  exchanges: [
    { match: followUp, steps: [{ text: followUpAnswer, chunkDelayMs: 15 }] },
    { match: queuedPrompt, steps: [{ text: queuedAnswer, chunkDelayMs: 15 }] },
    { match: slowPrompt, steps: [{ text: slowStory, chunkDelayMs: 100 }] },
    ...demoScript.exchanges,
  ],
}

const docsScreenshot = new URL('../docs/images/session.png', import.meta.url)
/** The README's screenshot is replaced only when asked: a test run leaves the working tree as it found it. */
const updateDocsImages = process.env.AGENT_OPS_UPDATE_DOCS_IMAGES === '1'

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
  shot = await screenshotter(page, 'session')
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
const statusBadge = (status: string) => page.getByRole('status', { name: `Status: ${status}` })
const queuePanel = () => page.getByRole('region', { name: /^Queued/ })
// A sentence of the demo's final answer free of markdown.
const finalAnswer = () => page.getByText('Every step above was real, though: OpenCode ran its own tools')
const composer = () => page.getByLabel('Message to the agent')

/**
 * Scrolls the timeline up with the mouse wheel, as a reader would, until `target`'s top is in view. (A
 * programmatic scroll is not the reader's: the timeline would keep following new output.)
 */
async function scrollTimelineUpTo(target: Locator) {
  const timeline = page.getByRole('region', { name: 'Timeline' })
  const frame = await timeline.boundingBox()
  if (!frame) throw new Error('the timeline is not visible')
  await page.mouse.move(frame.x + frame.width / 2, frame.y + frame.height / 2)
  for (let step = 0; step < 40; step++) {
    const box = (await target.count()) > 0 ? await target.boundingBox() : null
    if (box && box.y >= frame.y) return
    await page.mouse.wheel(0, -150)
    await page.waitForTimeout(30)
  }
  throw new Error('scrolled to the top without reaching the target')
}

type Row = { seq: number; label: string; text: string }

/**
 * Every row of the timeline, read as a keyboard user would: the list is virtualized (only rows near the
 * viewport are in the page), so it is paged through from Home to End, collecting rows by their sequence number.
 * Ends at the bottom, following new output again.
 */
async function timelineRows(): Promise<Row[]> {
  const timeline = page.getByRole('region', { name: 'Timeline' })
  await timeline.focus()
  await timeline.press('Home')
  const rows = new Map<number, Row>()
  for (let step = 0; step < 200; step++) {
    await new Promise((resolve) => setTimeout(resolve, 60))
    const shown = await timeline.locator('[data-seq]').evaluateAll((elements) =>
      elements.map((element) => ({
        seq: Number(element.getAttribute('data-seq')),
        label: element.firstElementChild?.getAttribute('aria-label') ?? '',
        text: element.textContent ?? '',
      })),
    )
    for (const row of shown) rows.set(row.seq, row)
    const atEnd = await timeline.evaluate(
      (element) => element.scrollTop + element.clientHeight >= element.scrollHeight - 2,
    )
    if (atEnd) break
    await timeline.press('PageDown')
  }
  await timeline.press('End')
  return [...rows.values()].sort((a, b) => a.seq - b.seq)
}

const rowsLabelled = (rows: Row[], label: RegExp | string) =>
  rows.filter((row) => (typeof label === 'string' ? row.label === label : label.test(row.label)))

/** What a reload must leave exactly as it was: every row, in order. */
async function timelineSnapshot() {
  return (await timelineRows()).map((row) => `${row.seq} ${row.label}`)
}

describe('the web client journey', () => {
  it('creates the first account on the sign-in page and shows the demo banner', async () => {
    await page.goto(e2e.server.url)
    await page.getByRole('heading', { name: 'Create the first account' }).waitFor()
    await shot('sign-in')
    await signUpThroughPage(page, ownerAccount)
    const banner = page.getByRole('note')
    await banner.waitFor()
    expect(await banner.textContent()).toContain('Demo model: scripted responses, not a real LLM.')
    await page.getByRole('heading', { name: 'Sessions' }).waitFor()
    await page.getByText('No sessions yet').waitFor()
    await shot('dashboard-empty')
  })

  it('starts a session with the keyboard and opens it at once, showing boot progress', async () => {
    // `n` jumps to the prompt, Ctrl+Enter starts the session.
    await page.locator('body').press('n')
    const prompt = page.getByLabel('What should the agent do?')
    expect(await prompt.evaluate((element) => element.ownerDocument.activeElement === element)).toBe(true)
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
    // The first prompt shows once: in the queue while the session boots, then in the timeline.
    await queuePanel().or(userMessages()).first().waitFor({ timeout: 5_000 })
    const shownPrompts = page.getByRole('tabpanel').or(queuePanel()).getByText(demoPrompt, { exact: true })
    expect(await shownPrompts.count()).toBe(1)
    await shot('session-booting')
  })

  it('streams tool cards and markdown text in, then the final answer', async () => {
    await toolCards().first().waitFor({ timeout: 120_000 })
    await shot('streaming')
    await finalAnswer().waitFor({ timeout: 120_000 })
    await statusBadge('ready').waitFor({ timeout: 30_000 })
    const rows = await timelineRows()
    expect(rowsLabelled(rows, /^Message from /).map((row) => row.text)).toEqual([
      expect.stringContaining(demoPrompt),
    ])
    expect(rowsLabelled(rows, 'Tool bash, done')).toHaveLength(2)
    expect(rowsLabelled(rows, 'Tool read, done')).toHaveLength(1)
    expect(rowsLabelled(rows, 'Tool edit, done')).toHaveLength(1)
    expect(rowsLabelled(rows, /^Tool /)).toHaveLength(rowsLabelled(rows, /, done$/).length)
    // Tool cards: paths relative to the workspace, the todo list summarised.
    expect(rowsLabelled(rows, 'Tool read, done')[0]?.text).toMatch(/^readdemo\/hello\.pydone/)
    expect(rowsLabelled(rows, 'Tool todowrite, done').map((row) => row.text)).toContain(
      'todowriteTodo list: 3 of 3 donedone',
    )
    // Markdown is rendered, not shown raw.
    await page.getByRole('heading', { name: 'Demo complete' }).waitFor()
    expect(await page.getByText('## Demo complete').count()).toBe(0)
    expect(await page.getByText('not a real LLM', { exact: true }).evaluate((el) => el.tagName)).toBe(
      'STRONG',
    )
    // The script's output is in its card.
    const runCard = doneTools('bash').filter({ hasText: 'python3 demo/hello.py' })
    expect(await runCard.count()).toBe(1)
    await runCard.getByText('Hello, Agent Ops!').waitFor({ timeout: 5_000 })
    await shot('demo-finished')

    // The edit card carries its diff.
    const editCard = doneTools('edit')
    await scrollTimelineUpTo(editCard)
    const diff = editCard.getByRole('region', { name: 'Changes to demo/hello.py' })
    await diff.getByText('print(greet("Agent Ops"))').waitFor()
    await diff.getByText('print(greet("world"))').waitFor()
    await shot('edit-diff-and-bash-output')
  }, 240_000)

  it('opens the changes view with the diff of the edited file', async () => {
    await page.getByRole('tab', { name: 'Changes (1)' }).click()
    const file = page.getByRole('region', { name: 'Changes to demo/hello.py' })
    await file.waitFor({ timeout: 5_000 })
    await file.getByText('print(greet("Agent Ops"))').waitFor()
    await file.getByText('print(greet("world"))').waitFor()
    expect(await file.locator('.diff-code-insert').count()).toBe(1)
    expect(await file.locator('.diff-code-delete').count()).toBe(1)
    await shot('changes-view')
    await page.getByRole('tab', { name: 'Timeline' }).click()
    await finalAnswer().waitFor()
    // The finished demo in light theme at 1280x800, for the README.
    const screenshot = await shot('demo-for-readme')
    if (updateDocsImages) await copyFile(screenshot, docsScreenshot)
  })

  it('sends a follow-up from the composer and shows the answer', async () => {
    await composer().fill(followUp)
    await page.getByRole('button', { name: 'Send', exact: true }).click()
    await userMessages().filter({ hasText: followUp }).waitFor({ timeout: 10_000 })
    await page.getByText(followUpAnswer).waitFor({ timeout: 60_000 })
    await statusBadge('ready').waitFor({ timeout: 30_000 })
    expect(rowsLabelled(await timelineRows(), /^Message from /)).toHaveLength(2)
    await shot('follow-up-answered')
  }, 120_000)

  it('queues a message sent while the agent works, survives a reload mid-stream, aborts, then runs the queue', async () => {
    await composer().fill(slowPrompt)
    await composer().press('Control+Enter')
    const story = page.getByText(storyStart)
    await story.waitFor({ timeout: 30_000 })
    await statusBadge('working').waitFor()

    // Sent while the agent works: queued, visible in the queue, not yet in the timeline. Sent with a slip first,
    // then corrected in the queue: the answer to the corrected text (below) shows the agent got the edit.
    const slip = 'Summarise the sesion in one line.'
    await composer().fill(slip)
    await page.getByRole('button', { name: 'Send', exact: true }).click()
    await queuePanel().getByText(slip).waitFor({ timeout: 10_000 })
    await shot('follow-up-queued')
    await queuePanel().getByRole('button', { name: 'Edit queued message 1' }).click()
    const editor = queuePanel().getByLabel('Edit queued message 1')
    await editor.fill(queuedPrompt)
    await editor.press('Control+Enter')
    await queuePanel().getByText(queuedPrompt).waitFor({ timeout: 10_000 })
    expect(await queuePanel().getByText(slip).count()).toBe(0)
    await shot('follow-up-edited-in-queue')
    const beforeReload = await timelineRows()
    expect(rowsLabelled(beforeReload, /^Message from /).map((row) => row.text)).not.toContainEqual(
      expect.stringContaining(queuedPrompt),
    )

    await page.reload()
    await story.waitFor({ timeout: 15_000 })
    // Rows present before the reload are all there, once, in the same order (the story has grown meanwhile).
    const afterReload = (await timelineRows()).filter((row) => row.seq <= (beforeReload.at(-1)?.seq ?? 0))
    expect(afterReload.map((row) => `${row.seq} ${row.label}`)).toEqual(
      beforeReload.map((row) => `${row.seq} ${row.label}`),
    )
    expect(await story.count()).toBe(1)
    await queuePanel().getByText(queuedPrompt).waitFor({ timeout: 5_000 })
    // Still streaming after the reload: the text keeps growing.
    const streamedChars = (await story.textContent())?.length ?? 0
    await expect
      .poll(async () => (await story.textContent())?.length ?? 0, { timeout: 10_000 })
      .toBeGreaterThan(streamedChars)
    await shot('streaming-after-reload')

    await page.getByRole('button', { name: 'Abort' }).click()
    // A neutral line, not an error box; then the queued message runs.
    await page.getByText('Turn aborted', { exact: true }).waitFor({ timeout: 15_000 })
    expect(await page.getByRole('alert').count()).toBe(0)
    await page.getByText(queuedAnswer).waitFor({ timeout: 60_000 })
    await statusBadge('ready').waitFor({ timeout: 30_000 })
    expect(await queuePanel().count()).toBe(0)
    const users = rowsLabelled(await timelineRows(), /^Message from /).map((row) => row.text)
    // Taken from the queue after the aborted turn: it reads after it, as the fourth message.
    expect(users).toHaveLength(4)
    expect(users[3]).toContain(queuedPrompt)
    // The model stopped streaming the story: the abort reached the provider, not just the page.
    await expect.poll(() => e2e.model.activeStreams, { timeout: 5_000 }).toBe(0)
    expect(await page.getByText(storyEnd).count()).toBe(0)
    await shot('aborted-then-queue-ran')
  }, 180_000)

  it('shows the same timeline after a reload, nothing lost or duplicated', async () => {
    const before = await timelineSnapshot()
    await page.reload()
    await page.getByText(queuedAnswer).waitFor({ timeout: 15_000 })
    await statusBadge('ready').waitFor({ timeout: 15_000 })
    const rows = await timelineRows()
    expect(rows.map((row) => `${row.seq} ${row.label}`)).toEqual(before)
    expect(rows.filter((row) => row.text.includes(queuedAnswer))).toHaveLength(1)
    expect(rows.filter((row) => row.text === 'Turn aborted')).toHaveLength(1)
    await shot('after-reload')
  })

  it('keeps a draft across a reload', async () => {
    await composer().fill('A draft that survives a reload')
    await page.reload()
    await expect
      .poll(() => composer().inputValue(), { timeout: 10_000 })
      .toBe('A draft that survives a reload')
    await composer().fill('')
  })

  it('lists the session on the dashboard, filters it, and reads well in dark theme on a phone', async () => {
    await page.getByRole('link', { name: '← Sessions' }).click()
    const row = page.getByRole('row').filter({ hasText: demoPrompt })
    await row.waitFor({ timeout: 10_000 })
    expect(await row.getByRole('img', { name: 'Status: ready' }).count()).toBe(1)
    expect(await row.getByRole('link').getAttribute('href')).toBe(`/sessions/${sessionId}`)
    await page.getByLabel('Search by title').fill('no such title')
    await page.getByText('No session matches these filters.').waitFor()
    await page.getByLabel('Search by title').fill('python')
    await row.waitFor()
    await shot('dashboard')

    await page.getByLabel('Theme').selectOption('dark')
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark')
    await page.setViewportSize({ width: 390, height: 844 })
    await row.getByRole('link').click()
    await page.getByText(queuedAnswer).waitFor({ timeout: 15_000 })
    await composer().waitFor()
    expect(await composer().isVisible()).toBe(true)
    await shot('phone-dark')
    await page.getByLabel('Theme').selectOption('system')
    await page.setViewportSize({ width: 1280, height: 800 })
    expect(pageErrors).toEqual([])
  })
})
