// Panel metrics: from the request for a panel to the panel being usable, through the whole path a person's
// browser takes (panel token from the app, form POST to the sandbox origin, gateway, panel socket, the service
// inside the sandbox), in Chromium. Each run uses a fresh session, so every service starts cold. Also the memory
// of each service once up, and of the idle session with no panel ever opened.

import type { PanelKind } from '@agent-ops/protocol'
import type { ScriptedModel } from '@agent-ops/testkit'
import type { Page } from 'playwright-core'
import { ensureChromium, ensureClientBuilt, launchChromium } from '../e2e/helpers.ts'
import { bareBrowserReadyMs, bareVscodeReadyMs } from './panel-floors.ts'
import { startStack } from './stack.ts'

export type PanelSamples = {
  terminal_first_output_ms: number[]
  vscode_ready_ms: number[]
  vscode_bare_ready_ms: number[]
  browser_ready_ms: number[]
  browser_bare_ready_ms: number[]
  panel_rss_terminal_mb: number[]
  panel_rss_vscode_mb: number[]
  panel_rss_browser_mb: number[]
  idle_session_no_panel_rss_mb: number[]
}

const MB = 1024 * 1024

export async function measurePanels(model: ScriptedModel, runs: number): Promise<PanelSamples> {
  await Promise.all([ensureClientBuilt(), ensureChromium()])
  const stack = await startStack(model)
  const browser = await launchChromium()
  const samples: PanelSamples = {
    terminal_first_output_ms: [],
    vscode_ready_ms: [],
    vscode_bare_ready_ms: [],
    browser_ready_ms: [],
    browser_bare_ready_ms: [],
    panel_rss_terminal_mb: [],
    panel_rss_vscode_mb: [],
    panel_rss_browser_mb: [],
    idle_session_no_panel_rss_mb: [],
  }
  try {
    for (let run = 0; run < runs; run++) {
      const session = await stack.client.sessions.create({ prompt: 'hello' })
      const working = await stack.reach(session.id, 'working')
      await stack.reach(session.id, 'ready', working.seq)
      const idle = await stack.client.sessions.panels(session.id)
      samples.idle_session_no_panel_rss_mb.push((idle.agentRssBytes + idle.runnerRssBytes) / MB)

      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
      const page = await context.newPage()
      // Any page of the app's origin: the exchange must come from there.
      await page.goto(`${stack.server.url}/`)
      const open = async (panel: PanelKind, next?: string) => {
        const token = await stack.client.sessions.panelToken(session.id, panel)
        await page.evaluate(postFormScript(token.exchangeUrl, { token: token.token, ...(next && { next }) }))
      }
      const newPage = () => context.waitForEvent('page')

      // Terminal: the shell's prompt shown by xterm.js.
      let started = performance.now()
      let opened = newPage()
      await open('terminal')
      let panelPage = await opened
      await panelPage.waitForFunction("document.body.innerText.includes('$')", undefined, { timeout: 60_000 })
      samples.terminal_first_output_ms.push(performance.now() - started)

      // VS Code: the workbench shows the workspace's explorer.
      started = performance.now()
      opened = newPage()
      await open('vscode')
      panelPage = await opened
      await panelPage.waitForSelector('.monaco-workbench .explorer-folders-view', { timeout: 120_000 })
      samples.vscode_ready_ms.push(performance.now() - started)

      // Browser: the first non-blank frame of Chromium's display through noVNC.
      started = performance.now()
      opened = newPage()
      await open('browser')
      panelPage = await opened
      await waitForNonBlankCanvas(panelPage)
      samples.browser_ready_ms.push(performance.now() - started)

      const services = await stack.client.sessions.panels(session.id)
      for (const service of services.services)
        samples[`panel_rss_${service.name}_mb`].push(service.rssBytes / MB)
      await context.close()
      await stack.client.sessions.stop(session.id)
      // The floors, interleaved so machine load affects both alike.
      samples.vscode_bare_ready_ms.push(await bareVscodeReadyMs(browser))
      samples.browser_bare_ready_ms.push(await bareBrowserReadyMs(browser))
    }
  } finally {
    await browser.close()
    await stack.close()
  }
  return samples
}

/**
 * Submits a form POST to a new tab from the app's page, as the web UI does (the token never goes in a URL).
 * A string: it runs in the browser.
 */
function postFormScript(action: string, fields: Record<string, string>): string {
  return `(() => {
    const form = document.createElement('form')
    form.method = 'POST'
    form.action = ${JSON.stringify(action)}
    form.target = '_blank'
    for (const [name, value] of Object.entries(${JSON.stringify(fields)})) {
      const input = document.createElement('input')
      input.type = 'hidden'
      input.name = name
      input.value = value
      form.append(input)
    }
    document.body.append(form)
    form.submit()
    form.remove()
  })()`
}

/** noVNC draws into a canvas; it is usable once a frame with more than one colour arrived. */
export async function waitForNonBlankCanvas(page: Page) {
  await page.waitForFunction(
    `(() => {
      const canvas = document.querySelector('canvas')
      if (!canvas || canvas.width < 2) return false
      const context = canvas.getContext('2d')
      if (!context) return false
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height)
      for (let i = 4; i < data.length; i += 4 * 97)
        if (data[i] !== data[0] || data[i + 1] !== data[1] || data[i + 2] !== data[2]) return true
      return false
    })()`,
    undefined,
    { timeout: 120_000, polling: 100 },
  )
}
