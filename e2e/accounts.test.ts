// Accounts in the web client, against the real server: the first account owns the team, a teammate joins by an
// invite link in a second browser, a session is shared with them as a viewer (presence, read-only composer), an
// API key is shown once, the audit log records all of it; and a GitHub sign-in through testkit's GitHub stand-in.
// Screenshots of every step land in e2e/artifacts/ (accounts-NN-*.png).
import { createClient } from '@agent-ops/sdk'
import { type GitHubOAuth, type Script, startGitHubOAuth } from '@agent-ops/testkit'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type Account,
  type E2eServer,
  ensureChromium,
  ensureClientBuilt,
  freePort,
  launchChromium,
  ownerAccount,
  screenshotter,
  signUpThroughPage,
  startE2eServer,
} from './helpers.ts'

const teammate: Account = {
  name: 'Theo Teammate',
  email: 'theo@example.test',
  password: 'teammate password 123',
}
const prompt = 'Say hello to the team.'
const answer = 'Hello, team! This session is shared.'
const script: Script = { exchanges: [{ match: prompt, steps: [{ text: answer, chunkDelayMs: 10 }] }] }

let e2e: E2eServer
let browser: Browser
let owner: Page
let mate: Page
let mateContext: BrowserContext
let shot: (step: string, of?: Page) => Promise<string>
const pageErrors: string[] = []

/** Script errors, console errors and failed requests (by URL: the console's own line does not name it). */
function watchErrors(page: Page, who: string) {
  page.on('pageerror', (error) => pageErrors.push(`${who}: ${error.message}`))
  page.on('console', (message) => {
    const text = message.text()
    if (message.type() === 'error' && !text.startsWith('Failed to load resource'))
      pageErrors.push(`${who} console: ${text}`)
  })
  page.on('response', (response) => {
    // A browser asks every site for its icon; the GitHub stand-in has none.
    if (response.status() >= 400 && !response.url().endsWith('/favicon.ico'))
      pageErrors.push(`${who}: HTTP ${response.status()} ${response.request().method()} ${response.url()}`)
  })
}

const newContext = () => browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' })
const nav = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name })

beforeAll(async () => {
  await Promise.all([ensureClientBuilt(), ensureChromium()])
  e2e = await startE2eServer(script)
  browser = await launchChromium()
  owner = await (await newContext()).newPage()
  watchErrors(owner, 'owner')
  mateContext = await newContext()
  mate = await mateContext.newPage()
  watchErrors(mate, 'teammate')
  shot = await screenshotter(owner, 'accounts')
}, 240_000)

afterAll(async () => {
  try {
    await browser?.close()
  } finally {
    await e2e?.close()
  }
}, 90_000)

describe('accounts in the web client', () => {
  let sessionId = ''
  let sessionTitle = ''

  it('creates the first account on the sign-in page, which owns the team', async () => {
    await owner.goto(e2e.server.url)
    await owner.getByRole('heading', { name: 'Create the first account' }).waitFor()
    await owner.getByText('The first account owns the team').waitFor()
    await shot('first-account')
    await signUpThroughPage(owner, ownerAccount)
    await owner.getByRole('heading', { name: 'Sessions' }).waitFor()

    await nav(owner, 'Team').click()
    const row = owner.getByRole('row').filter({ hasText: ownerAccount.email })
    await row.waitFor()
    expect(await row.getByRole('cell').nth(2).textContent()).toBe('owner')
    // Admin-only navigation is there for the owner.
    expect(await nav(owner, 'Audit log').count()).toBe(1)
    await shot('team-owner')
  })

  it('invites a teammate by link; they open it in another browser, sign up and join', async () => {
    await owner.getByRole('button', { name: 'Create invite link' }).click()
    const linkField = owner.getByLabel('Invite link', { exact: true })
    await linkField.waitFor()
    const link = await linkField.inputValue()
    expect(link).toMatch(new RegExp(`^${e2e.server.url}/invite#token=[\\w-]+`))
    await owner.getByRole('row').filter({ hasText: 'Link (anyone, once)' }).getByText('pending').waitFor()
    await shot('invite-link')

    await mate.goto(link)
    await mate.getByRole('heading', { name: 'Create your account' }).waitFor()
    await mate.getByText('You have been invited to a team').waitFor()
    await shot('teammate-invited', mate)
    await signUpThroughPage(mate, teammate)
    await mate.getByText('You joined').waitFor({ timeout: 10_000 })
    // The token left the address as soon as the page read it.
    expect(new URL(mate.url()).hash).toBe('')
    expect(new URL(mate.url()).pathname).toBe('/invite')
    await shot('teammate-joined', mate)

    await owner.reload()
    const row = owner.getByRole('row').filter({ hasText: teammate.email })
    await row.waitFor()
    expect(await row.getByLabel(`Role of ${teammate.name}`).inputValue()).toBe('member')
    await owner.getByRole('row').filter({ hasText: 'Link (anyone, once)' }).getByText('accepted').waitFor()
    await shot('team-with-teammate')
  })

  it('starts a session and shares it with the teammate as a viewer in the share dialog', async () => {
    await nav(owner, 'Sessions').click()
    const promptField = owner.getByLabel('What should the agent do?')
    await promptField.fill(prompt)
    await promptField.press('Control+Enter')
    await owner.waitForURL(/\/sessions\/[^/]+$/, { timeout: 10_000 })
    sessionId = decodeURIComponent(new URL(owner.url()).pathname.split('/').at(-1) ?? '')
    await owner.getByText(answer).waitFor({ timeout: 150_000 })
    sessionTitle = (await owner.getByRole('heading', { level: 1 }).textContent()) ?? ''
    expect(sessionTitle).not.toBe('')

    await owner.getByRole('button', { name: 'Share' }).click()
    const dialog = owner.getByRole('dialog', { name: /^Share/ })
    await dialog.waitFor()
    expect(await dialog.getByRole('radio', { name: /^Private/ }).isChecked()).toBe(true)
    await dialog
      .getByLabel('Add member', { exact: true })
      .selectOption({ label: `${teammate.name} (${teammate.email})` })
    await dialog.getByLabel('Role for the new member').selectOption('viewer')
    await dialog.getByRole('button', { name: 'Add', exact: true }).click()
    const role = dialog.getByLabel(`Role of ${teammate.name}`)
    await role.waitFor()
    expect(await role.inputValue()).toBe('viewer')

    await dialog.getByRole('button', { name: 'Create link' }).click()
    const shareLink = dialog.getByLabel('Share link (viewer)')
    await shareLink.waitFor()
    expect(await shareLink.inputValue()).toMatch(/\/share#token=[\w-]+$/)
    await dialog.getByText('viewer link · 0 of 10 uses').waitFor()
    await shot('share-dialog')
    await dialog.getByRole('button', { name: 'Close' }).click()
    await dialog.waitFor({ state: 'detached' })
  }, 240_000)

  it('shows the teammate the shared session read-only, with who is watching', async () => {
    await mate.getByRole('link', { name: 'Go to the sessions' }).click()
    const row = mate.getByRole('row').filter({ hasText: sessionTitle })
    await row.waitFor({ timeout: 10_000 })
    await row.getByText(ownerAccount.name).waitFor()
    // Mine: sessions the teammate owns (none); Team: the others'.
    await mate.getByLabel('Filter by owner').selectOption('mine')
    await mate.getByText('No session matches these filters.').waitFor()
    await mate.getByLabel('Filter by owner').selectOption('team')
    await row.waitFor()
    expect(await row.getByRole('button', { name: /^Stop/ }).count()).toBe(0)
    await shot('teammate-dashboard', mate)

    await row.getByRole('link', { name: sessionTitle }).click()
    await mate.getByText(answer).waitFor({ timeout: 15_000 })
    await mate.getByText('You are a viewer of this session').waitFor()
    expect(await mate.getByLabel('Message to the agent').isDisabled()).toBe(true)
    expect(await mate.getByRole('button', { name: 'Send' }).count()).toBe(0)
    expect(await mate.getByRole('button', { name: 'Stop session' }).count()).toBe(0)
    expect(await mate.getByRole('button', { name: 'Share' }).count()).toBe(0)
    // The owner has the session open: their avatar is in the teammate's presence list.
    await mate
      .getByRole('region', { name: 'Watching now' })
      .getByRole('img', { name: new RegExp(`^${ownerAccount.name}`) })
      .waitFor({ timeout: 15_000 })
    // Admin-only navigation is hidden from a member.
    expect(await nav(mate, 'Audit log').count()).toBe(0)
    await shot('teammate-viewer', mate)

    // The server refuses a viewer's message too, not only the page.
    expect(pageErrors).toEqual([])
    const sent = await mate.evaluate(async (id) => {
      const response = await fetch(`/api/sessions/${id}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'let me in', mode: 'followup' }),
      })
      return response.status
    }, sessionId)
    expect(sent).toBe(403)
    // That refusal was wanted.
    const refused = pageErrors.findIndex((line) => line.includes(`HTTP 403 POST`))
    if (refused !== -1) pageErrors.splice(refused, 1)

    await owner
      .getByRole('region', { name: 'Watching now' })
      .getByRole('img', { name: new RegExp(`^${teammate.name}`) })
      .waitFor({ timeout: 15_000 })
    await shot('owner-sees-teammate')
  })

  it('creates an API key and shows it once', async () => {
    await nav(owner, 'API keys').click()
    await owner.getByText('No API keys yet.').waitFor()
    await owner.getByLabel('Name', { exact: true }).fill('CI pipeline')
    await owner.getByRole('button', { name: 'Create key' }).click()
    await owner.getByText('Copy this key now: it is shown only once.').waitFor()
    const key = await owner.getByLabel('API key', { exact: true }).inputValue()
    expect(key.length).toBeGreaterThan(20)
    // It works: the key acts as the owner.
    const me = await createClient({ baseUrl: e2e.server.url, token: key }).me()
    expect(me.user.email).toBe(ownerAccount.email)
    expect(me.scopes).toEqual(['read', 'write'])
    await shot('api-key-once')

    await owner.getByRole('button', { name: 'Done, I copied it' }).click()
    const row = owner.getByRole('row').filter({ hasText: 'CI pipeline' })
    await row.waitFor()
    const prefix = ((await row.getByRole('cell').nth(1).textContent()) ?? '').replace(/…$/, '')
    expect(key.startsWith(prefix)).toBe(true)
    expect(prefix.length).toBeLessThan(key.length)
    await owner.reload()
    // Used a moment ago, by the check above.
    await row.getByText('just now').waitFor()
    expect(await owner.getByText(key).count()).toBe(0)
    expect(await owner.getByLabel('API key', { exact: true }).count()).toBe(0)
    await shot('api-keys-list')
  })

  it('lists these actions in the audit log', async () => {
    await nav(owner, 'Audit log').click()
    // Pages load on first visit: the API keys page (and its table) stays until the audit page is in.
    await owner.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor()
    const table = owner.getByRole('table')
    await table.waitFor()
    const actions = await table.locator('tbody tr td:nth-child(3)').allTextContents()
    for (const action of [
      'invite.created',
      'invite.accepted',
      'session.participant_set',
      'session.share_link_created',
      'api_key.created',
    ])
      expect(actions).toContain(action)
    await owner.getByRole('row').filter({ hasText: 'api_key.created' }).getByText('CI pipeline').waitFor()
    await shot('audit-log')
  })

  it('signs the teammate out from the account menu', async () => {
    await mate.getByRole('button', { name: `Account: ${teammate.name}` }).click()
    await mate.getByRole('button', { name: 'Sign out', exact: true }).click()
    await mate.getByRole('heading', { name: 'Sign in' }).waitFor()
    await mate.reload()
    await mate.getByRole('heading', { name: 'Sign in' }).waitFor()
    await shot('teammate-signed-out', mate)
    expect(pageErrors).toEqual([])
  })
})

describe('GitHub sign-in', () => {
  let github: GitHubOAuth
  let server: E2eServer
  let page: Page
  let oauthShot: (step: string) => Promise<string>

  beforeAll(async () => {
    github = await startGitHubOAuth({
      users: [{ login: 'octocat', name: 'The Octocat', email: 'octocat@github.com' }],
    })
    // OAuth callbacks and the cookie must be on the host the browser uses: choose the port before the server starts.
    const port = await freePort()
    server = await startE2eServer(
      { exchanges: [] },
      {
        config: {
          port,
          publicUrl: `http://localhost:${port}`,
          githubClientId: github.clientId,
          githubClientSecret: github.clientSecret,
          githubBaseUrl: github.url,
        },
      },
    )
    page = await (await newContext()).newPage()
    watchErrors(page, 'github')
    oauthShot = await screenshotter(page, 'oauth')
  }, 120_000)

  afterAll(async () => {
    try {
      await server?.close()
    } finally {
      await github?.close()
    }
  }, 60_000)

  it('signs in through the provider’s consent page and lands signed in', async () => {
    await page.goto(server.url)
    const github_ = page.getByRole('button', { name: 'Sign in with GitHub' })
    await github_.waitFor()
    await oauthShot('sign-in-page')
    await github_.click()
    await page.waitForURL(`${github.url}/login/oauth/authorize**`)
    await page.getByRole('heading', { name: /Sign in to GitHub as/ }).waitFor()
    await oauthShot('github-consent')
    await page.getByRole('button', { name: 'Authorize' }).click()
    await page.getByRole('button', { name: 'Account: The Octocat' }).waitFor({ timeout: 15_000 })
    await page.getByRole('heading', { name: 'Sessions' }).waitFor()
    expect(new URL(page.url()).origin).toBe(new URL(server.url).origin)
    expect(github.counts.token).toBe(1)
    expect(github.counts.user).toBeGreaterThanOrEqual(1)
    // The first account, so it owns the team.
    await page.getByRole('button', { name: 'Account: The Octocat' }).click()
    await page.getByText('octocat@github.com').waitFor()
    await page.getByText(/· owner$/).waitFor()
    await oauthShot('github-signed-in')
    expect(pageErrors).toEqual([])
  })
})
