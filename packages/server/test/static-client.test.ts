import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RunningServer, serve } from '@agent-ops/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// The web app's files as a build leaves them: index.html naming hashed assets.
let server: RunningServer
let dir: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aops-static-'))
  const clientDir = join(dir, 'client')
  mkdirSync(join(clientDir, 'assets'), { recursive: true })
  writeFileSync(
    join(clientDir, 'index.html'),
    '<!doctype html><script type="module" src="/assets/app-1a2b3c.js">',
  )
  writeFileSync(join(clientDir, 'assets', 'app-1a2b3c.js'), 'console.log("app")')
  server = await serve({
    port: 0,
    dataDir: join(dir, 'data'),
    logLevel: 'silent',
    unsafeNoIsolation: true,
    clientDir,
  })
})
afterAll(async () => {
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('the built web app', () => {
  it('caches hashed assets for good', async () => {
    const response = await fetch(`${server.url}/assets/app-1a2b3c.js`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/javascript/)
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(await response.text()).toBe('console.log("app")')
  })

  it('has index.html revalidated on every load, at / and at client-side routes', async () => {
    for (const path of ['/', '/index.html', '/sessions/ses_123']) {
      const response = await fetch(`${server.url}${path}`)
      expect(response.status, path).toBe(200)
      expect(response.headers.get('cache-control'), path).toBe('no-cache')
      expect(await response.text(), path).toContain('/assets/app-1a2b3c.js')
    }
  })

  it('answers 404 for an asset this build does not have, not index.html', async () => {
    const response = await fetch(`${server.url}/assets/app-0ld0ld.js`)
    expect(response.status).toBe(404)
    expect(await response.text()).toBe('no such file in this build of the web app')
  })
})
