import react from '@vitejs/plugin-react'
import { defineConfig, type Plugin } from 'vite'

const apiTarget = 'http://127.0.0.1:8787'
/**
 * The entry script's own modules (main.tsx and what it imports, Vite's preload helper among them): they must stay
 * in the entry, which runs before anything else has loaded.
 */
const entryModules = /[\\/]client[\\/]src[\\/](main\.tsx|theme\.ts|boot[\\/])|^\0vite[\\/]/

/**
 * The code a session page needs first, which the entry script imports dynamically: render-app.tsx, the session
 * page and the chunks they import. Preloaded from index.html, it downloads and compiles beside the entry script
 * instead of after it has arrived and run. (Other pages download the session page's code early too.)
 */
const preloadedModules = ['/src/render-app.tsx', '/src/session/SessionPage.tsx']

function preloadPages(): Plugin {
  return {
    name: 'agent-ops:preload-pages',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, { bundle }) {
        const chunks = Object.values(bundle ?? {}).flatMap((c) => (c.type === 'chunk' ? [c] : []))
        const entry = chunks.find((c) => c.isEntry)?.fileName
        const files = new Set<string>()
        for (const module of preloadedModules) {
          const chunk = chunks.find((c) => c.facadeModuleId?.endsWith(module))
          if (!chunk) throw new Error(`preloadPages: no chunk for ${module}`)
          for (const file of [chunk.fileName, ...chunk.imports]) if (file !== entry) files.add(file)
        }
        return [...files].map((file) => ({
          tag: 'link',
          attrs: { rel: 'modulepreload', crossorigin: true, href: `/${file}` },
          injectTo: 'head' as const,
        }))
      },
    },
  }
}

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react(), preloadPages()],
  build: {
    // Empties dist, panel pages included: `npm run build` builds them next (vite.panels.config.ts).
    outDir: 'dist',
    emptyOutDir: true,
    rolldownOptions: {
      output: {
        // What the pages share goes into one chunk, not one per combination of pages that share it: a session
        // page then loads four scripts beside its first requests, not a dozen queued on six connections.
        codeSplitting: {
          groups: [
            {
              name: 'shared',
              minShareCount: 2,
              test: (id) => !entryModules.test(id),
              includeDependenciesRecursively: false,
            },
          ],
        },
      },
    },
  },
  // In development the API runs separately (`agent-ops serve`); in production the server serves dist itself.
  server: { proxy: { '/api': apiTarget } },
  preview: { proxy: { '/api': apiTarget } },
})
