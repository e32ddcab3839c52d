import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './config.ts'

describe('loadConfig', () => {
  const made: string[] = []
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'aops-config-'))
    made.push(dir)
    return dir
  }
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  it('has sensible defaults', () => {
    const config = loadConfig({}, {})
    expect(config.port).toBe(8787)
    expect(config.host).toBe('127.0.0.1')
    expect(config.dataDir).toMatch(/\.agent-ops$/)
    expect(config.demo).toBe(false)
  })

  it('reads environment variables by their documented names', () => {
    const config = loadConfig(
      {},
      {
        AGENT_OPS_PORT: '9000',
        AGENT_OPS_DATA_DIR: '/tmp/x',
        ANTHROPIC_API_KEY: 'k',
        AGENT_OPS_OPENAI_COMPATIBLE_URL: 'http://127.0.0.1:1234/v1',
        AGENT_OPS_DEMO: '0',
      },
    )
    expect(config).toMatchObject({ port: 9000, dataDir: '/tmp/x', anthropicApiKey: 'k', demo: false })
    expect(config.openaiCompatibleUrl).toBe('http://127.0.0.1:1234/v1')
    expect(loadConfig({}, { AGENT_OPS_DEMO: '1' }).demo).toBe(true)
  })

  it('reads the sandbox base URL (panels) and checks it is a URL', () => {
    expect(loadConfig({}, {}).sandboxBaseUrl).toBeUndefined()
    const config = loadConfig({}, { AGENT_OPS_SANDBOX_BASE_URL: 'https://sandbox.example.com' })
    expect(config.sandboxBaseUrl).toBe('https://sandbox.example.com')
    expect(() => loadConfig({}, { AGENT_OPS_SANDBOX_BASE_URL: 'sandbox.example.com' })).toThrow(
      /AGENT_OPS_SANDBOX_BASE_URL \(sandboxBaseUrl\)/,
    )
  })

  it('layers file < environment < overrides', () => {
    const dir = tempDir()
    const file = join(dir, 'config.json')
    writeFileSync(file, JSON.stringify({ port: 1111, logLevel: 'debug', defaultModel: 'openai/gpt-5' }))
    const config = loadConfig({ logLevel: 'warn' }, { AGENT_OPS_CONFIG: file, AGENT_OPS_PORT: '2222' })
    expect(config).toMatchObject({ port: 2222, logLevel: 'warn', defaultModel: 'openai/gpt-5' })
  })

  it('names every bad setting by its variable', () => {
    const load = () =>
      loadConfig({}, { AGENT_OPS_PORT: 'eighty', AGENT_OPS_OPENAI_COMPATIBLE_URL: 'not a url' })
    expect(load).toThrow(ConfigError)
    expect(load).toThrow(/AGENT_OPS_PORT \(port\)/)
    expect(load).toThrow(/AGENT_OPS_OPENAI_COMPATIBLE_URL/)
  })

  it('rejects unknown keys and broken files clearly', () => {
    const dir = tempDir()
    const unknown = join(dir, 'unknown.json')
    writeFileSync(unknown, JSON.stringify({ prot: 1 }))
    expect(() => loadConfig({}, { AGENT_OPS_CONFIG: unknown })).toThrow(/prot/)
    const broken = join(dir, 'broken.json')
    writeFileSync(broken, '{')
    expect(() => loadConfig({}, { AGENT_OPS_CONFIG: broken })).toThrow(/not valid JSON/)
    expect(() => loadConfig({}, { AGENT_OPS_CONFIG: join(dir, 'missing.json') })).toThrow(
      /cannot read the config file/,
    )
  })

  it('needs both halves of an OAuth app, and names the missing variable', () => {
    expect(() => loadConfig({}, { AGENT_OPS_GITHUB_CLIENT_ID: 'id' })).toThrow(
      /AGENT_OPS_GITHUB_CLIENT_SECRET/,
    )
    expect(() => loadConfig({}, { AGENT_OPS_PUBLIC_URL: 'not a url' })).toThrow(/AGENT_OPS_PUBLIC_URL/)
    expect(loadConfig({}, { AGENT_OPS_PASSWORD_SIGN_IN: '0' }).passwordSignIn).toBe(false)
  })

  it('has sandbox settings with safe defaults, and a strict flag for running without isolation', () => {
    const config = loadConfig({}, {})
    expect(config.unsafeNoIsolation).toBe(false)
    expect(config.sandboxUidFirst).toBeGreaterThanOrEqual(1000)
    expect(config.sandboxNetwork).toBe('on')
    expect(config.memoryBudgetBytes).toBeGreaterThan(0)
    // One sandbox directory per data directory: two servers never sweep each other's sandboxes.
    expect(config.sandboxDir).toMatch(/^\/var\/lib\/agent-ops\/sandboxes\/[0-9a-f]{12}$/)
    expect(loadConfig({ dataDir: '/tmp/other' }, {}).sandboxDir).not.toBe(config.sandboxDir)
    expect(loadConfig({}, { AGENT_OPS_UNSAFE_NO_ISOLATION: '1' }).unsafeNoIsolation).toBe(true)
    expect(loadConfig({}, { AGENT_OPS_UNSAFE_NO_ISOLATION: '0' }).unsafeNoIsolation).toBe(false)
    expect(() => loadConfig({}, { AGENT_OPS_SANDBOX_UID_FIRST: '0' })).toThrow(/AGENT_OPS_SANDBOX_UID_FIRST/)
    expect(() => loadConfig({}, { AGENT_OPS_SANDBOX_NETWORK: 'maybe' })).toThrow(/AGENT_OPS_SANDBOX_NETWORK/)
  })
})
