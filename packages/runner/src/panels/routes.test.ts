import { describe, expect, it } from 'vitest'
import { routePanelRequest, viewAllowed } from './routes.ts'

describe('routePanelRequest', () => {
  it('routes the services API', () => {
    expect(routePanelRequest('GET', '/_runner/services')).toEqual({ kind: 'services' })
    expect(routePanelRequest('POST', '/_runner/services/browser/start')).toEqual({
      kind: 'service-action',
      name: 'browser',
      action: 'start',
    })
    expect(routePanelRequest('POST', '/_runner/services/vscode/stop')).toMatchObject({ action: 'stop' })
    expect(routePanelRequest('POST', '/_runner/services/nope/start')).toEqual({ kind: 'not-found' })
    expect(routePanelRequest('GET', '/_runner/services/vscode/start')).toEqual({ kind: 'not-found' })
  })

  it('routes terminals by id with their size, and refuses bad ids', () => {
    expect(routePanelRequest('GET', '/terminal/ws/main-1?cols=120&rows=40')).toEqual({
      kind: 'terminal',
      id: 'main-1',
      cols: 120,
      rows: 40,
    })
    expect(routePanelRequest('GET', '/terminal/ws/t?cols=0&rows=x')).toMatchObject({ cols: 80, rows: 24 })
    expect(routePanelRequest('GET', '/terminal/ws/a.b')).toEqual({ kind: 'not-found' })
    expect(routePanelRequest('GET', `/terminal/ws/${'a'.repeat(33)}`)).toEqual({ kind: 'not-found' })
  })

  it('strips the /vscode prefix and keeps the query; redirects the bare prefix', () => {
    expect(routePanelRequest('GET', '/vscode/')).toEqual({ kind: 'vscode', path: '/' })
    expect(routePanelRequest('GET', '/vscode/static/x.js?v=1')).toEqual({
      kind: 'vscode',
      path: '/static/x.js?v=1',
    })
    expect(routePanelRequest('GET', '/vscode?folder=/w')).toEqual({
      kind: 'redirect',
      location: '/vscode/?folder=/w',
    })
    expect(routePanelRequest('GET', '/vscodex')).toEqual({ kind: 'not-found' })
  })

  it('routes forwarded ports with the prefix stripped', () => {
    expect(routePanelRequest('GET', '/port/3000/api/x?y=1')).toEqual({
      kind: 'port',
      port: 3000,
      path: '/api/x?y=1',
    })
    expect(routePanelRequest('GET', '/port/3000')).toEqual({ kind: 'redirect', location: '/port/3000/' })
    expect(routePanelRequest('GET', '/port/0/')).toEqual({ kind: 'not-found' })
    expect(routePanelRequest('GET', '/port/70000/')).toEqual({ kind: 'not-found' })
  })

  it('routes the VNC stream and nothing else', () => {
    expect(routePanelRequest('GET', '/browser/websockify')).toEqual({ kind: 'browser-vnc' })
    expect(routePanelRequest('GET', '/')).toEqual({ kind: 'not-found' })
    expect(routePanelRequest('GET', '/_runner/other')).toEqual({ kind: 'not-found' })
  })

  it('lets view access read the services and watch the browser only', () => {
    const urls = ['/_runner/services', '/browser/websockify', '/terminal/ws/a', '/vscode/', '/port/80/']
    expect(urls.map((url) => viewAllowed(routePanelRequest('GET', url)))).toEqual([
      true,
      true,
      false,
      false,
      false,
    ])
    expect(viewAllowed(routePanelRequest('POST', '/_runner/services/browser/start'))).toBe(false)
  })
})
