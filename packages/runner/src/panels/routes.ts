import { PanelServiceName, TerminalId } from '@agent-ops/protocol'

/**
 * Where a request to the panel socket goes: a pure function of its method and path, so the routing table can be
 * read (and tested) in one place. Paths arrive as the gateway forwards them (the sandbox origin's paths).
 */
export type PanelRoute =
  | { kind: 'services' }
  | { kind: 'service-action'; name: PanelServiceName; action: 'start' | 'stop' }
  | { kind: 'terminal'; id: string; cols: number; rows: number }
  | { kind: 'vscode'; path: string }
  | { kind: 'redirect'; location: string }
  | { kind: 'browser-vnc' }
  | { kind: 'port'; port: number; path: string }
  | { kind: 'not-found' }

const DEFAULT_COLS = 80
const DEFAULT_ROWS = 24

/** Whether view access may use a route: reading the services and watching the browser, nothing else. */
export function viewAllowed(route: PanelRoute): boolean {
  return route.kind === 'services' || route.kind === 'browser-vnc' || route.kind === 'not-found'
}

export function routePanelRequest(method: string, rawUrl: string): PanelRoute {
  const url = new URL(rawUrl, 'http://panel.invalid')
  const path = url.pathname
  const query = url.search
  if (path === '/_runner/services' && method === 'GET') return { kind: 'services' }
  const action = /^\/_runner\/services\/([^/]+)\/(start|stop)$/.exec(path)
  if (action && method === 'POST') {
    const name = PanelServiceName.safeParse(action[1])
    if (name.success)
      return { kind: 'service-action', name: name.data, action: action[2] as 'start' | 'stop' }
    return { kind: 'not-found' }
  }
  const terminal = /^\/terminal\/ws\/([^/]+)$/.exec(path)
  if (terminal) {
    const id = TerminalId.safeParse(terminal[1])
    if (!id.success) return { kind: 'not-found' }
    return {
      kind: 'terminal',
      id: id.data,
      cols: dimension(url.searchParams.get('cols'), DEFAULT_COLS),
      rows: dimension(url.searchParams.get('rows'), DEFAULT_ROWS),
    }
  }
  // code-server's pages use relative URLs: its root must end in a slash or they resolve outside /vscode/.
  if (path === '/vscode') return { kind: 'redirect', location: `/vscode/${query}` }
  if (path.startsWith('/vscode/')) return { kind: 'vscode', path: path.slice('/vscode'.length) + query }
  if (path === '/browser/websockify') return { kind: 'browser-vnc' }
  const port = /^\/port\/(\d{1,5})(\/.*)?$/.exec(path)
  if (port) {
    const n = Number(port[1])
    if (n < 1 || n > 65_535) return { kind: 'not-found' }
    if (port[2] === undefined) return { kind: 'redirect', location: `/port/${n}/${query}` }
    return { kind: 'port', port: n, path: port[2] + query }
  }
  return { kind: 'not-found' }
}

function dimension(value: string | null, fallback: number): number {
  const n = Number(value)
  return Number.isInteger(n) && n >= 1 && n <= 1000 ? n : fallback
}
