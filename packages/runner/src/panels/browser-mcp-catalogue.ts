// After upgrading @playwright/mcp: `node browser-mcp-catalogue.ts --write-catalogue <node> <cli.js> --cdp-endpoint <url>`.
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { createInterface } from 'node:readline'

/**
 * The browser tools' catalogue: what Playwright MCP answers to `initialize` and `tools/list`, recorded from the
 * pinned version, so browser-mcp-endpoint.ts can answer them without starting it.
 */

export type Catalogue = {
  initialize: { capabilities: unknown; serverInfo: unknown; instructions?: string }
  tools: unknown[]
}

export const catalogueUrl = new URL('./browser-mcp-catalogue.json', import.meta.url)

export function loadCatalogue(): Catalogue {
  return JSON.parse(readFileSync(catalogueUrl, 'utf8')) as Catalogue
}

/** Asks the real server for what the stand-in answers; `--write-catalogue` records it (after an upgrade). */
export async function recordCatalogue(command: string, args: string[]): Promise<Catalogue> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const ask = async (id: number, method: string, params: unknown) => {
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`)
    for (;;) {
      const { value, done } = await lines.next()
      if (done) throw new Error(`${command} exited before answering ${method}`)
      const answer = JSON.parse(value) as { id?: number; result?: Record<string, unknown> }
      if (answer.id === id) return answer.result ?? {}
    }
  }
  try {
    const clientInfo = { name: 'agent-ops', version: '1' }
    const init = await ask(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo })
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`)
    const { tools } = (await ask(2, 'tools/list', {})) as { tools: unknown[] }
    const { protocolVersion: _, ...initialize } = init
    return { initialize: initialize as Catalogue['initialize'], tools }
  } finally {
    child.kill()
  }
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const [first, command, ...args] = process.argv.slice(2)
  if (first !== '--write-catalogue' || !command)
    throw new Error('usage: browser-mcp-catalogue.ts --write-catalogue <command> [args...]')
  const catalogue = await recordCatalogue(command, args)
  writeFileSync(catalogueUrl, `${JSON.stringify(catalogue, null, 2)}\n`)
}
