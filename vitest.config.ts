import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'packages/client/src/**/*.test.tsx',
      'e2e/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    // Integration tests start real OpenCode processes; two cores cannot run many at once, and OpenCode's own
    // start-up takes several seconds on a loaded machine: these limits only catch hangs.
    maxWorkers: 2,
    testTimeout: 240_000,
    hookTimeout: 240_000,
  },
})
