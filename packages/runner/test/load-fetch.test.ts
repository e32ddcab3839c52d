import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'

describe('loadFetch', () => {
  it("loads Node's fetch (undici) without a request going anywhere", async () => {
    // In a fresh Node: fetch is loaded on its first use, which is what loadFetch moves to a moment of its choosing.
    const script = `
      const { loadFetch } = await import(new URL('../src/opencode-process.ts', ${JSON.stringify(import.meta.url)}).href)
      const loaded = () => process.moduleLoadList.includes('NativeModule internal/deps/undici/undici')
      const before = loaded()
      await loadFetch()
      console.log(JSON.stringify({ before, after: loaded() }))`
    const child = spawn(process.execPath, ['--input-type=module', '--eval', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    await new Promise((resolve) => child.once('close', resolve))
    expect(JSON.parse(output)).toEqual({ before: false, after: true })
  })
})
