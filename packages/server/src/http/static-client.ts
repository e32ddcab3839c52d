import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { serveStatic } from '@hono/node-server/serve-static'
import type { Hono } from 'hono'
import type { AppEnv } from './context.ts'

const notBuiltPage = `<!doctype html><meta charset="utf-8"><title>Agent Ops</title>
<body style="font-family:system-ui;max-width:40rem;margin:4rem auto;line-height:1.5">
<h1>Agent Ops</h1><p>The server is running, but the web client has not been built.</p>
<p>Run <code>npm run build</code> (or start with <code>npm start</code>, which builds it) and reload.</p>
<p>The API is at <a href="/api/openapi.json">/api/openapi.json</a>.</p></body>`

/** Serves the built single-page app; unknown non-API paths get index.html so client-side routes work. */
export function mountClient(app: Hono<AppEnv>, clientDir: string) {
  const indexFile = join(clientDir, 'index.html')
  app.use('/*', async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return next()
    if (!existsSync(indexFile)) return c.html(notBuiltPage)
    return serveStatic({ root: clientDir })(c, next)
  })
  const serveIndex = serveStatic({ path: indexFile })
  app.get('/*', async (c, next) => {
    if (!existsSync(indexFile)) return c.html(notBuiltPage)
    const response = await serveIndex(c, next)
    return response ?? c.notFound()
  })
}
