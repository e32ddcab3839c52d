import { resolve } from 'node:path'
import { defineConfig } from 'vite'

/**
 * The panel pages (terminal, browser) the gateway serves on each session's sandbox origin: plain TypeScript, no
 * React. The gateway answers `/terminal/` with terminal.html, `/browser/` with browser.html and
 * `/_agent-ops/assets/*` from dist/panels/assets, hence the base. Built after the app into its own folder, which
 * only this build empties.
 */
const root = resolve(import.meta.dirname, 'panels')

export default defineConfig({
  root,
  base: '/_agent-ops/',
  build: {
    outDir: resolve(import.meta.dirname, 'dist/panels'),
    emptyOutDir: true,
    // noVNC awaits at the top level of a module.
    target: 'es2022',
    rollupOptions: {
      input: {
        terminal: resolve(root, 'terminal.html'),
        browser: resolve(root, 'browser.html'),
      },
    },
  },
})
