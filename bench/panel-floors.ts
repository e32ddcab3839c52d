// Floors of the panel metrics: the same services (the runner's own launchers: same code-server, same Xtigervnc and
// Chromium, same flags) started bare on this machine, no sandbox, no gateway, no token or cookie, opened in the
// same Chromium. What the panel metrics add on top is Agent Ops' share.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser } from 'playwright-core'
import { WebSocketServer } from 'ws'
import { browserLauncher } from '../packages/runner/src/panels/browser.ts'
import { bridgeVnc } from '../packages/runner/src/panels/vnc-bridge.ts'
import { vscodeLauncher } from '../packages/runner/src/panels/vscode.ts'
import { waitForNonBlankCanvas } from './panels.ts'

const panelPages = fileURLToPath(new URL('../packages/client/dist/panels/', import.meta.url))

/** code-server started bare, to its workbench showing the folder's explorer. */
export async function bareVscodeReadyMs(browser: Browser): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'aops-bench-vscode-'))
  const workspace = join(dir, 'workspace')
  const home = join(dir, 'home')
  for (const d of [workspace, home]) mkdirSync(d)
  writeFileSync(join(workspace, 'notes.txt'), 'hello\n')
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const started = performance.now()
  const vscode = await vscodeLauncher({ workspace, home })(() => {})
  try {
    const page = await context.newPage()
    await page.goto(`http://127.0.0.1:${vscode.port}/?folder=${encodeURIComponent(workspace)}`)
    await page.waitForSelector('.monaco-workbench .explorer-folders-view', { timeout: 120_000 })
    return performance.now() - started
  } finally {
    await context.close()
    await vscode.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Xtigervnc + Chromium started bare, to noVNC's first non-blank frame (the panel page over a plain bridge). */
export async function bareBrowserReadyMs(browser: Browser): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'aops-bench-browser-'))
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const file = path === '/browser/' ? 'browser.html' : path.replace(/^\/_agent-ops\//, '')
    try {
      const body = readFileSync(join(panelPages, file))
      const type = { '.js': 'text/javascript', '.css': 'text/css' }[extname(file)] ?? 'text/html'
      res.writeHead(200, { 'content-type': type }).end(body)
    } catch {
      res.writeHead(404).end()
    }
  })
  const wss = new WebSocketServer({ noServer: true })
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const started = performance.now()
  const launched = browserLauncher({ workspace: dir, home: dir })(() => {})
  server.on('upgrade', (req, socket, head) =>
    wss.handleUpgrade(req, socket, head, (ws) =>
      bridgeVnc(
        ws,
        async () => (await launched).vncPort,
        false,
        () => {},
      ),
    ),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const page = await context.newPage()
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/browser/`)
    await waitForNonBlankCanvas(page)
    return performance.now() - started
  } finally {
    await context.close()
    server.close()
    await (await launched).stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
