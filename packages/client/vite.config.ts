import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

const apiTarget = 'http://127.0.0.1:8787'

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  // Empties dist, panel pages included: `npm run build` builds them next (vite.panels.config.ts).
  build: { outDir: 'dist', emptyOutDir: true },
  // In development the API runs separately (`agent-ops serve`); in production the server serves dist itself.
  server: { proxy: { '/api': apiTarget } },
  preview: { proxy: { '/api': apiTarget } },
})
