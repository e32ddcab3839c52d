import { connect, createServer, type Server } from 'node:net'
import type { BrowserRunning } from './browser.ts'
import type { LazyService } from './lazy-service.ts'

/**
 * The agent's way to the browser: OpenCode's Playwright MCP connects to a fixed loopback port (its config is
 * written before Chromium exists, and Chromium's own port is chosen at its start). The first connection starts
 * the browser service; every connection is piped to Chromium's DevTools port.
 * Chromium builds the WebSocket URLs it hands out from the Host header, so they point back here.
 */
export async function startCdpForward(port: number, browser: LazyService<BrowserRunning>): Promise<Server> {
  const server = createServer((client) => {
    client.pause()
    // Traffic, not an open connection, keeps the browser from idling: Playwright MCP holds its connection for
    // the session's life, and reconnects (starting the browser again) when an idle stop closed it.
    const touch = () => browser.touch()
    touch()
    client.on('data', touch)
    client.once('error', () => client.destroy())
    browser.start().then(
      () => {
        const target = browser.running?.cdpPort
        if (target === undefined || client.destroyed) return client.destroy()
        const upstream = connect(target, '127.0.0.1')
        upstream.on('data', touch)
        upstream.once('connect', () => {
          client.pipe(upstream)
          upstream.pipe(client)
          client.resume()
        })
        upstream.once('error', () => client.destroy())
        upstream.once('close', () => client.destroy())
        client.once('close', () => upstream.destroy())
      },
      () => client.destroy(),
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  return server
}
