import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { panelOfPath } from './gateway.ts'
import { SandboxOrigins } from './origin.ts'

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage
const app = { trustProxy: false, appUrl: 'http://localhost:8787' }

describe('sandbox origins', () => {
  it('names one origin per session, without underscores', () => {
    const origins = new SandboxOrigins('http://sandbox.localhost:8787', app)
    expect(origins.origin('ses_0mz5k2abc123')).toBe('http://ses-0mz5k2abc123.sandbox.localhost:8787')
    expect(new SandboxOrigins('https://sbx.example.com', app).origin('ses_1')).toBe(
      'https://ses-1.sbx.example.com',
    )
    expect(origins.secureContext).toBe(true)
    expect(new SandboxOrigins('http://sbx.example.test', app).secureContext).toBe(false)
  })

  it('finds the session from the Host (X-Forwarded-Host only behind a trusted proxy)', () => {
    const origins = new SandboxOrigins('http://sandbox.localhost:8787', app)
    expect(origins.sessionOf(request({ host: 'ses-0abc.sandbox.localhost:8787' }))).toBe('ses_0abc')
    expect(origins.sessionOf(request({ host: 'SES-0ABC.Sandbox.Localhost' }))).toBe('ses_0abc')
    expect(origins.sessionOf(request({ host: 'localhost:8787' }))).toBeUndefined()
    expect(origins.sessionOf(request({ host: 'sandbox.localhost:8787' }))).toBeUndefined()
    expect(origins.sessionOf(request({ host: 'a.b.sandbox.localhost' }))).toBe('')
    expect(origins.sessionOf(request({ host: 'evilsandbox.localhost' }))).toBeUndefined()
    const forwarded = request({ host: 'internal:1', 'x-forwarded-host': 'ses-1.sandbox.localhost' })
    expect(origins.sessionOf(forwarded)).toBeUndefined()
    const proxied = new SandboxOrigins('http://sandbox.localhost:8787', { ...app, trustProxy: true })
    expect(proxied.sessionOf(forwarded)).toBe('ses_1')
  })

  it('refuses base URLs that are not bare origins or that cover the app', () => {
    expect(() => new SandboxOrigins('http://sandbox.localhost/x', app)).toThrow(/bare origin/)
    expect(() => new SandboxOrigins('http://localhost:9000', app)).toThrow(/must not contain the app's host/)
    expect(
      () => new SandboxOrigins('https://example.com', { ...app, appUrl: 'https://agents.example.com' }),
    ).toThrow(/must not contain/)
  })

  it('maps paths to panels', () => {
    expect(panelOfPath('/vscode/x')).toMatchObject({ panel: 'vscode', base: '/vscode/', exact: false })
    expect(panelOfPath('/terminal')).toMatchObject({ panel: 'terminal', exact: true })
    expect(panelOfPath('/port/3000/a')).toMatchObject({ panel: 'port', port: 3000, base: '/port/3000/' })
    expect(panelOfPath('/port/03000/')).toBeUndefined()
    expect(panelOfPath('/port/70000/')).toBeUndefined()
    expect(panelOfPath('/vscodex/')).toBeUndefined()
    expect(panelOfPath('/api/sessions')).toBeUndefined()
  })
})
