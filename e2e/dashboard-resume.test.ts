// The dashboard wakes a hibernated session: Resume in its row, no message sent, the agent comes back ready.
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type E2eServer,
  ensureChromium,
  ensureClientBuilt,
  launchChromium,
  ownerAccount,
  screenshotter,
  signInContext,
  startE2eServer,
} from './helpers.ts'

const prompt = 'Say hello, then rest.'

let e2e: E2eServer
let browser: Browser
let page: Page

beforeAll(async () => {
  await Promise.all([ensureClientBuilt(), ensureChromium()])
  e2e = await startE2eServer(
    { exchanges: [{ match: prompt, steps: [{ text: 'Hello. Resting now.' }] }] },
    { config: { idleTimeoutMs: 2_000 } },
  )
  browser = await launchChromium()
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  await signInContext(context, e2e.url, ownerAccount, { signUp: true })
  page = await context.newPage()
}, 240_000)

afterAll(async () => {
  try {
    await browser?.close()
  } finally {
    await e2e?.close()
  }
}, 90_000)

describe('the dashboard', () => {
  it('resumes a hibernated session from its row, without sending it a message', async () => {
    const client = await e2e.clientOf(ownerAccount)
    const session = await client.sessions.create({ prompt })
    const deadline = Date.now() + 120_000
    while ((await client.sessions.get(session.id)).status !== 'hibernated') {
      if (Date.now() > deadline) throw new Error('the session never hibernated')
      await new Promise((r) => setTimeout(r, 250))
    }
    const requestsBefore = e2e.model.requests.length

    await page.goto(e2e.url)
    const row = page.getByRole('row').filter({ hasText: prompt })
    await row.getByRole('img', { name: 'Status: hibernated' }).waitFor({ timeout: 15_000 })
    await row.getByRole('button', { name: `Resume ${session.title}` }).click()
    // The list follows the session live: resuming, then ready (and, idle again, it may hibernate once more).
    await row
      .getByRole('img', { name: /^Status: (resuming|ready)$/ })
      .first()
      .waitFor({ timeout: 15_000 })
    await (await screenshotter(page, 'dashboard-resume'))('resuming')
    // The log, from the start: the first prompt, then hibernated, resuming and ready again, and no other message.
    const messages: string[] = []
    const statuses: string[] = []
    for await (const event of client.sessions.events(session.id, { signal: AbortSignal.timeout(120_000) })) {
      if (event.type === 'message.user') messages.push(event.data.text)
      if (event.type !== 'session.status') continue
      statuses.push(event.data.status)
      if (statuses.includes('resuming') && event.data.status === 'ready') break
    }
    expect(statuses.slice(statuses.indexOf('hibernated'))).toEqual(['hibernated', 'resuming', 'ready'])
    expect(messages).toEqual([prompt]) // the only message is the first prompt: Resume sent none
    expect(e2e.model.requests.length).toBe(requestsBefore) // and the model was not asked anything
    await expect(client.sessions.resume(session.id)).rejects.toMatchObject({ status: 409 })
  }, 240_000)
})
