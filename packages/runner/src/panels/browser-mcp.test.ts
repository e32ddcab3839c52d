import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../log.ts'
import { loadCatalogue, recordCatalogue } from './browser-mcp-catalogue.ts'
import { startBrowserMcpEndpoint } from './browser-mcp-endpoint.ts'
import { freePort } from './child-group.ts'

const cli = join(dirname(createRequire(import.meta.url).resolve('@playwright/mcp/package.json')), 'cli.js')
const catalogue = loadCatalogue()

type RpcAnswer = { id?: unknown; result?: { tools?: unknown[] }; error?: { message: string } }

describe('the browser tools MCP endpoint', () => {
  it('has the catalogue the pinned Playwright MCP answers (rerun --write-catalogue after an upgrade)', async () => {
    const live = await recordCatalogue(process.execPath, [cli, '--cdp-endpoint', 'http://127.0.0.1:9222'])
    expect(live).toEqual(catalogue)
  })

  it('answers initialize and tools/list itself, and starts the real server on the first tool call', async () => {
    // Nothing listens on this DevTools port: the real server's answer is an error about it, which proves who answered.
    const cdp = `http://127.0.0.1:${await freePort()}`
    const port = await freePort()
    const endpoint = await startBrowserMcpEndpoint({
      port,
      command: [process.execPath, cli, '--cdp-endpoint', cdp, '--cdp-timeout', '2000'],
      catalogue,
      log: createLogger({ write: () => {} }),
    })
    const url = `http://127.0.0.1:${port}/mcp`
    const post = async (message: Record<string, unknown>) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', ...message }),
      })
      const body = response.status === 200 ? ((await response.json()) as RpcAnswer) : undefined
      return { status: response.status, body }
    }
    // Processes of the real server for this test: the only ones given this DevTools endpoint.
    const realServers = () =>
      readdirSync('/proc')
        .filter((pid) => /^\d+$/.test(pid))
        .filter((pid) => {
          try {
            return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(cdp)
          } catch {
            return false
          }
        })
    try {
      const init = await post({
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'test', version: '1' },
        },
      })
      expect(init).toEqual({
        status: 200,
        body: { jsonrpc: '2.0', id: 1, result: { protocolVersion: '2025-06-18', ...catalogue.initialize } },
      })
      expect((await post({ method: 'notifications/initialized' })).status).toBe(202)
      expect((await post({ id: 2, method: 'tools/list', params: {} })).body?.result?.tools).toEqual(
        catalogue.tools,
      )
      expect((await post({ id: 3, method: 'ping' })).body).toEqual({ jsonrpc: '2.0', id: 3, result: {} })
      expect((await fetch(url)).status).toBe(405)
      expect(endpoint.realServerPid).toBeUndefined()
      expect(realServers()).toEqual([])

      const call = await post({
        id: 'call-4',
        method: 'tools/call',
        params: { name: 'browser_tabs', arguments: { action: 'list' } },
      })
      expect(call.body?.id).toBe('call-4')
      expect(JSON.stringify(call.body?.result)).toMatch(/127\.0\.0\.1|ECONNREFUSED|connect/i)
      expect(endpoint.realServerPid).toBeGreaterThan(0)
      expect(realServers().length).toBeGreaterThan(0)
      // From now on the real server answers: its list is the recorded one.
      expect((await post({ id: 5, method: 'tools/list', params: {} })).body?.result?.tools).toEqual(
        catalogue.tools,
      )
    } finally {
      await endpoint.close()
    }
  })

  it('refuses what is not one JSON-RPC message', async () => {
    const port = await freePort()
    const endpoint = await startBrowserMcpEndpoint({
      port,
      command: ['/nonexistent'],
      catalogue,
      log: createLogger({ write: () => {} }),
    })
    try {
      const response = await fetch(`http://127.0.0.1:${port}/mcp`, { method: 'POST', body: 'not json' })
      expect(response.status).toBe(400)
      expect(((await response.json()) as { error: { code: number } }).error.code).toBe(-32700)
      // A tool call whose real server cannot start gets a JSON-RPC error, not a hang.
      const call = await fetch(`http://127.0.0.1:${port}/mcp`, {
        method: 'POST',
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'browser_tabs' },
        }),
      })
      expect(((await call.json()) as { error: { message: string } }).error.message).toMatch(/ENOENT|stopped/)
    } finally {
      await endpoint.close()
    }
  })
})
