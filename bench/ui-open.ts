// `ui_open_10k_events_ms`: navigation to a 10,000-event session's last event rendered in Chromium. The session is
// real (created through the API, booted, then stopped); its log is then grown to 10,000 events through the
// server's own EventLog on the server's SQLite file (bench-only: no public API appends events).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { SessionEventBody, SessionStatus } from '@agent-ops/protocol'
import { createClient, signInWithPassword } from '@agent-ops/sdk'
import { serve } from '@agent-ops/server'
import type { ScriptedModel } from '@agent-ops/testkit'
import { ensureChromium, ensureClientBuilt, launchChromium } from '../e2e/helpers.ts'
import { openDatabase } from '../packages/server/src/db/database.ts'
import { InProcessEventBus } from '../packages/server/src/realtime/pubsub.ts'
import { EventLog } from '../packages/server/src/sessions/event-log.ts'

export const seededEventCount = 10_000
/** The server's first account (it owns the team); the browser holds its session cookie, as after signing in. */
const owner = { name: 'Bench Owner', email: 'bench@example.test', password: 'correct horse battery staple' }
const lastText = 'The last of ten thousand events.'

/** One agent turn of a long session: a user message, text streamed in deltas, tool calls, usage. */
function turnEvents(turn: number): SessionEventBody[] {
  const messageId = `msg_user_${turn}`
  const assistant = `msg_agent_${turn}`
  const events: SessionEventBody[] = [
    {
      type: 'message.user',
      data: {
        messageId,
        text: `Step ${turn}: keep going.`,
        mode: 'followup',
        author: { id: 'admin', name: 'Admin' },
      },
    },
    {
      type: 'queue.updated',
      data: { queue: [{ messageId, text: `Step ${turn}: keep going.`, mode: 'followup' }] },
    },
    { type: 'queue.updated', data: { queue: [] } },
  ]
  for (let step = 0; step < 5; step++) {
    const partId = `prt_${turn}_${step}`
    const text = `Working on **step ${turn}.${step}**:\n\n\`\`\`python\nprint("step ${turn}.${step}")\n\`\`\``
    for (const chunk of text.match(/[\s\S]{1,20}/g) ?? [])
      events.push({ type: 'text.delta', data: { messageId: assistant, partId, delta: chunk } })
    events.push({ type: 'text.done', data: { messageId: assistant, partId, text } })
    const tool = { messageId: assistant, partId: `tool_${turn}_${step}`, callId: `call_${turn}_${step}` }
    const input = { command: `python3 step_${step}.py` }
    events.push({ type: 'tool.updated', data: { ...tool, tool: 'bash', status: 'running', input } })
    events.push({
      type: 'tool.updated',
      data: { ...tool, tool: 'bash', status: 'completed', input, output: `step ${turn}.${step}\n` },
    })
  }
  events.push({
    type: 'usage',
    data: {
      messageId: assistant,
      inputTokens: 1000,
      outputTokens: 100,
      reasoningTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      costUsd: 0.001,
    },
  })
  return events
}

/** Exactly `count` events after the session's own, the last one a finished text that marks the end. */
function seedEvents(count: number): SessionEventBody[] {
  const events: SessionEventBody[] = []
  for (let turn = 1; events.length < count - 1; turn++) events.push(...turnEvents(turn))
  events.length = count - 1
  events.push({ type: 'text.done', data: { messageId: 'msg_last', partId: 'prt_last', text: lastText } })
  return events
}

/**
 * Runs in the page before its own scripts: records `window.lastEventRenderedMs`, the first frame after `marker`
 * is in the document. A string, as it runs in the browser, not here.
 */
function pageScript(marker: string): string {
  return `
    const marker = ${JSON.stringify(marker)}
    const hasMarker = (node) => (node.textContent || '').includes(marker)
    // Only added nodes are searched: probing the whole page on every change would cost what it measures.
    const observer = new MutationObserver((records) => {
      const found = records.some((record) =>
        record.type === 'characterData' ? hasMarker(record.target) : [...record.addedNodes].some(hasMarker),
      )
      if (!found) return
      observer.disconnect()
      requestAnimationFrame(() => { window.lastEventRenderedMs = performance.now() })
    })
    observer.observe(document, { childList: true, subtree: true, characterData: true })
  `
}

/**
 * Opens a 10,000-event session in a fresh browser context `runs` times; each sample is the page's own clock
 * (performance.now(), zero at navigation start) at the first frame after the last event's text is in the page.
 */
export async function measureUiOpen(model: ScriptedModel, runs: number): Promise<number[]> {
  await Promise.all([ensureClientBuilt(), ensureChromium()])
  const dataDir = mkdtempSync(join(tmpdir(), 'aops-bench-ui-'))
  const sandboxDir = mkdtempSync(join(tmpdir(), 'aops-bench-ui-sandboxes-'))
  const server = await serve({
    port: 0,
    dataDir,
    // Not /var/lib/agent-ops/sandboxes/<hash> (the default), which each run would leave behind.
    sandboxDir,
    logLevel: 'warn',
    openaiCompatibleUrl: model.openaiBaseUrl,
    defaultModel: `openai-compatible/${model.modelId}`,
  })
  const { cookie } = await signInWithPassword(server.url, owner, { signUp: true })
  const client = createClient({ baseUrl: server.url, cookie })
  const cookies = cookie.split('; ').map((pair) => {
    const at = pair.indexOf('=')
    return { name: pair.slice(0, at), value: pair.slice(at + 1), url: server.url }
  })
  const browser = await launchChromium()
  try {
    const session = await client.sessions.create({ prompt: 'hello' })
    // Any settled state will do: the log is what matters, not the agent. Ready sessions are stopped, so
    // nothing appends to the log while it is seeded.
    let settled: SessionStatus = session.status
    for await (const event of client.sessions.events(session.id)) {
      if (event.type !== 'session.status') continue
      settled = event.data.status
      if (settled === 'ready' || settled === 'failed' || settled === 'stopped') break
    }
    if (settled === 'ready') await client.sessions.stop(session.id)
    const { lastEventSeq } = await client.sessions.get(session.id)

    const database = await openDatabase(join(dataDir, 'agent-ops.db'))
    try {
      const log = new EventLog(database.db, new InProcessEventBus())
      for (const body of seedEvents(seededEventCount - lastEventSeq)) await log.append(session.id, body)
    } finally {
      await database.close()
    }
    const seeded = await client.sessions.get(session.id)
    if (seeded.lastEventSeq !== seededEventCount)
      throw new Error(`seeded ${seeded.lastEventSeq} events, expected ${seededEventCount}`)

    const samples: number[] = []
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
      await context.addCookies(cookies)
      // A returning user: the app has seen them signed in before (the early event stream relies on this hint).
      await context.addInitScript(() => localStorage.setItem('agent-ops.signed-in', '1'))
      await context.addInitScript({ content: pageScript(lastText) })
      const page = await context.newPage()
      const pageErrors: string[] = []
      page.on('pageerror', (error) => pageErrors.push(error.message))
      page.on('console', (message) => message.type() === 'error' && pageErrors.push(message.text()))
      await page.goto(`${server.url}/sessions/${encodeURIComponent(session.id)}`)
      const handle = await page
        .waitForFunction('window.lastEventRenderedMs', undefined, { timeout: 60_000 })
        .catch(async (error: unknown) => {
          const shown = ((await page.locator('body').textContent()) ?? '').slice(-500)
          throw new Error(
            `the last event never rendered (${String(error)}); page errors: ${pageErrors.join('; ')}; page ends: ${shown}`,
          )
        })
      samples.push(Number(await handle.jsonValue()))
      await context.close()
    }
    return samples
  } finally {
    await browser.close()
    await server.close()
    rmSync(dataDir, { recursive: true, force: true })
    rmSync(sandboxDir, { recursive: true, force: true })
  }
}
