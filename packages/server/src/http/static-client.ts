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

/** Vite names what it builds under assets/ by a hash of its content: such a file never changes. */
const hashedAssets = /^\/(panels\/)?assets\//

/**
 * Serves the built single-page app; unknown non-API paths get index.html so client-side routes work. Hashed
 * assets are cached for good (a returning browser loads none of the ~0.7 MB again); index.html, which names
 * them, is revalidated on every load, so a new build is picked up at once. A missing asset is a 404, not
 * index.html: a page of an older build asking for a chunk that is gone then fails as what it is.
 */
export function mountClient(app: Hono<AppEnv>, clientDir: string) {
  const indexFile = join(clientDir, 'index.html')
  const files = serveStatic({
    root: clientDir,
    onFound: (_path, c) => {
      c.header(
        'Cache-Control',
        hashedAssets.test(c.req.path) ? 'public, max-age=31536000, immutable' : 'no-cache',
      )
    },
  })
  app.use('/*', async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return next()
    if (!existsSync(indexFile)) return c.html(notBuiltPage)
    return files(c, next)
  })
  const serveIndex = serveStatic({
    path: indexFile,
    onFound: (_path, c) => c.header('Cache-Control', 'no-cache'),
  })
  app.get('/*', async (c, next) => {
    if (!existsSync(indexFile)) return c.html(notBuiltPage)
    if (hashedAssets.test(c.req.path)) return c.text('no such file in this build of the web app', 404)
    const response = await serveIndex(c, next)
    return response ?? c.notFound()
  })
}
