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
    // Integration tests start real OpenCode processes; two cores cannot run many at once.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
