import { rm } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Server as TcpServer } from 'node:net'
import type { Duplex } from 'node:stream'
import { type PanelAccess, panelAccessHeader } from '@agent-ops/protocol'
import { WebSocketServer } from 'ws'
import type { Logger } from '../log.ts'
import { playwrightMcpCommand } from '../opencode-config.ts'
import { loadCatalogue } from './browser-mcp-catalogue.ts'
import { type BrowserMcpEndpoint, startBrowserMcpEndpoint } from './browser-mcp-endpoint.ts'
import { startCdpForward } from './cdp-forward.ts'
import { PanelServices } from './panel-services.ts'
import { proxyHttp, proxyUpgrade } from './proxy.ts'
import { type PanelRoute, routePanelRequest, viewAllowed } from './routes.ts'
import { bridgeVnc } from './vnc-bridge.ts'

/**
 * The runner's panel socket: the gateway's only way into the sandbox. It serves the services' status, the
 * terminals, code-server, the browser's VNC stream and forwarded ports, and enforces the access the gateway
 * grants (`x-agent-ops-access`, `view` when absent) before anything starts or upgrades.
 */
export type PanelServerOptions = {
  socketPath: string
  workspace: string
  home: string
  idleMs: number
  /**
   * The agent's browser: its DevTools forwarder's port (cdp-forward.ts), the port of its MCP endpoint
   * (browser-mcp-endpoint.ts) and where Playwright MCP writes its output. None when undefined.
   */
  agentBrowser?: { cdpPort: number; mcpPort: number; stateDir: string }
  agentPid: () => number | undefined
  log: Logger
}

export type PanelServerHandle = { services: PanelServices; close(): Promise<void> }

export async function startPanelServer(opts: PanelServerOptions): Promise<PanelServerHandle> {
  const services = new PanelServices(opts)
  const wss = new WebSocketServer({ noServer: true, maxPayload: 2 * 1024 * 1024 })
  const server: Server = createServer((req, res) => {
    handleRequest(services, req, res).catch((error: Error) => {
      opts.log.warn('panel request failed', { url: req.url, error })
      if (!res.headersSent) json(res, 500, { error: { code: 'internal', message: error.message } })
      else res.destroy()
    })
  })
  server.on('upgrade', (req, socket, head) => handleUpgrade(services, wss, opts.log, req, socket, head))
  // A socket file left by a runner that died would make listen() fail with EADDRINUSE.
  await rm(opts.socketPath, { force: true })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.socketPath, () => {
      server.off('error', reject)
      resolve()
    })
  })
  let cdp: TcpServer | undefined
  let mcp: BrowserMcpEndpoint | undefined
  const browser = opts.agentBrowser
  if (browser) {
    cdp = await startCdpForward(browser.cdpPort, services.browser).catch((error: Error) => {
      opts.log.warn('the agent browser forwarder cannot listen', { port: browser.cdpPort, error })
      return undefined
    })
    mcp = await startBrowserMcpEndpoint({
      port: browser.mcpPort,
      command: playwrightMcpCommand(browser.cdpPort, browser.stateDir),
      catalogue: loadCatalogue(),
      log: opts.log,
    }).catch((error: Error) => {
      opts.log.warn('the agent browser tools cannot listen', { port: browser.mcpPort, error })
      return undefined
    })
  }
  opts.log.info('panel server listening', { socketPath: opts.socketPath, agentBrowser: browser })
  return {
    services,
    async close() {
      cdp?.close()
      await mcp?.close()
      server.close()
      server.closeAllConnections()
      for (const client of wss.clients) client.terminate()
      await services.stopAll()
      await rm(opts.socketPath, { force: true })
    },
  }
}

function accessOf(req: IncomingMessage): PanelAccess {
  return req.headers[panelAccessHeader] === 'full' ? 'full' : 'view'
}

function json(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

const forbidden = { error: { code: 'forbidden', message: 'this panel needs full access' } }
const notFound = { error: { code: 'not_found', message: 'no such panel route' } }

function refusedPort(port: number) {
  return (res: ServerResponse, error: NodeJS.ErrnoException) =>
    json(res, 502, {
      error: {
        code: 'bad_gateway',
        message:
          error.code === 'ECONNREFUSED'
            ? `nothing is listening on port ${port} inside the sandbox`
            : `port ${port} inside the sandbox failed: ${error.message}`,
      },
    })
}

async function handleRequest(services: PanelServices, req: IncomingMessage, res: ServerResponse) {
  const route = routePanelRequest(req.method ?? 'GET', req.url ?? '/')
  if (!viewAllowed(route) && accessOf(req) !== 'full') return json(res, 403, forbidden)
  switch (route.kind) {
    case 'services':
      return json(res, 200, await services.describe())
    case 'service-action': {
      const service = services.get(route.name)
      if (route.action === 'start')
        service.start().catch(() => {}) // the status says how it went
      else await service.stop()
      return json(
        res,
        200,
        (await services.describe()).services.find((s) => s.name === route.name),
      )
    }
    case 'redirect':
      res.writeHead(308, { location: route.location, 'content-length': 0 })
      return res.end()
    case 'vscode': {
      try {
        await services.vscode.start()
      } catch {
        const status = (await services.describe()).services.find((s) => s.name === 'vscode')
        return json(res, 503, {
          error: { code: 'unavailable', message: `VS Code could not start: ${status?.error}` },
          service: status,
        })
      }
      const port = services.vscode.running?.port
      if (port === undefined)
        return json(res, 503, { error: { code: 'unavailable', message: 'VS Code stopped' } })
      services.vscode.touch()
      return proxyHttp(req, res, { port, path: route.path }, refusedPort(port))
    }
    case 'port':
      return proxyHttp(req, res, { port: route.port, path: route.path }, refusedPort(route.port))
    case 'terminal':
    case 'browser-vnc':
      return json(res, 426, { error: { code: 'upgrade_required', message: 'this route is a WebSocket' } })
    default:
      return json(res, 404, notFound)
  }
}

function refuseUpgrade(socket: Duplex, status: number, reason: string) {
  const body = JSON.stringify({
    error: { code: status === 403 ? 'forbidden' : 'not_found', message: reason },
  })
  socket.end(
    `HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : 'Not Found'}\r\nConnection: close\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}

function handleUpgrade(
  services: PanelServices,
  wss: WebSocketServer,
  log: Logger,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
) {
  socket.on('error', () => socket.destroy())
  const route: PanelRoute = routePanelRequest('GET', req.url ?? '/')
  const access = accessOf(req)
  if (!viewAllowed(route) && access !== 'full') return refuseUpgrade(socket, 403, forbidden.error.message)
  switch (route.kind) {
    case 'terminal':
      services.terminal.start().then(
        () =>
          wss.handleUpgrade(req, socket, head, (ws) => {
            const release = services.terminal.acquire()
            ws.once('close', release)
            services.terminals.attach(route.id, ws, route)
          }),
        (error: Error) => {
          log.warn('the terminal service cannot start', { error })
          socket.destroy()
        },
      )
      return
    case 'browser-vnc':
      return wss.handleUpgrade(req, socket, head, (ws) => {
        const release = services.browser.acquire()
        const port = services.browser.start().then(() => {
          const running = services.browser.running
          if (!running) throw new Error('the browser stopped')
          return running.vncPort
        })
        bridgeVnc(ws, () => port, access === 'view', release)
      })
    case 'vscode':
      services.vscode.start().then(
        () => {
          const port = services.vscode.running?.port
          if (port === undefined) return socket.destroy()
          proxyUpgrade(req, socket, head, { port, path: route.path }, services.vscode.acquire())
        },
        () => socket.destroy(),
      )
      return
    case 'port':
      return proxyUpgrade(req, socket, head, { port: route.port, path: route.path })
    default:
      return refuseUpgrade(socket, 404, notFound.error.message)
  }
}
