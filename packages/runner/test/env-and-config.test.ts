import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parseRunnerEnv, RunnerEnvError } from '../src/env.ts'
import { createLogger } from '../src/log.ts'
import {
  buildOpencodeConfig,
  buildOpencodeEnv,
  configSecrets,
  makeXdgDirs,
  xdgDirs,
} from '../src/opencode-config.ts'

const serverConfig = {
  provider: {
    proxy: {
      npm: '@ai-sdk/openai-compatible',
      options: { baseURL: 'http://x/v1', apiKey: 'sess-secret-42' },
    },
  },
  model: 'proxy/some-model',
}
const validEnv = {
  AGENT_OPS_SESSION_ID: 's1',
  AGENT_OPS_CONTROL_URL: 'ws+unix:///run/control.sock:/internal/runner',
  AGENT_OPS_CONTROL_TOKEN: 'control-token-xyz',
  AGENT_OPS_WORKSPACE: '/work/space',
  AGENT_OPS_STATE_DIR: '/work/state',
  AGENT_OPS_OPENCODE_CONFIG: JSON.stringify(serverConfig),
}

describe('parseRunnerEnv', () => {
  it('reads the contract, with the orphan timeout defaulting to 10 minutes', () => {
    const env = parseRunnerEnv(validEnv)
    expect(env).toMatchObject({
      sessionId: 's1',
      controlUrl: 'ws+unix:///run/control.sock:/internal/runner',
      workspace: '/work/space',
      stateDir: '/work/state',
      opencodeConfig: serverConfig,
      opencodeBin: undefined,
      orphanTimeoutMs: 600_000,
    })
    expect(parseRunnerEnv({ ...validEnv, AGENT_OPS_ORPHAN_TIMEOUT_MS: '1500' }).orphanTimeoutMs).toBe(1500)
  })

  it('names every problem and echoes no value', () => {
    const bad = {
      ...validEnv,
      AGENT_OPS_CONTROL_TOKEN: undefined,
      AGENT_OPS_WORKSPACE: 'relative/path',
      AGENT_OPS_OPENCODE_CONFIG: '{"provider":{},"model":"no-slash"}',
    }
    expect(() => parseRunnerEnv(bad)).toThrow(RunnerEnvError)
    try {
      parseRunnerEnv(bad)
    } catch (error) {
      const message = (error as Error).message
      expect(message).toContain('AGENT_OPS_CONTROL_TOKEN')
      expect(message).toContain('AGENT_OPS_WORKSPACE: must be an absolute path')
      expect(message).toContain('AGENT_OPS_OPENCODE_CONFIG.model')
      expect(message).not.toContain('no-slash')
    }
    expect(() => parseRunnerEnv({ ...validEnv, AGENT_OPS_OPENCODE_CONFIG: '{not json' })).toThrow(
      /valid JSON/,
    )
  })

  it('main.ts exits 2 with a clear message when the environment is incomplete', async () => {
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))
    const child = spawn(process.execPath, [main], {
      env: { PATH: process.env.PATH, ...validEnv, AGENT_OPS_STATE_DIR: undefined },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const code = await new Promise((resolve) => child.once('exit', resolve))
    expect(code).toBe(2)
    expect(stderr).toContain('AGENT_OPS_STATE_DIR')
    expect(stderr).not.toContain('control-token-xyz')
  })
})

describe('OpenCode config and environment', () => {
  it('merges the server config over a base that keeps OpenCode offline, pre-allowing nothing', () => {
    const config = buildOpencodeConfig(serverConfig)
    expect(config).toMatchObject({ autoupdate: false, share: 'disabled', ...serverConfig })
    expect(config).not.toHaveProperty('permission')
  })

  it("passes none of the runner's own variables, and points XDG dirs into the state dir", () => {
    const env = buildOpencodeEnv({
      inherited: {
        PATH: '/bin',
        HOME: '/home/x',
        ...validEnv,
        OPENCODE_SERVER_PASSWORD: 'stale',
        NODE_COMPILE_CACHE: '/work/state/node-compile-cache',
      },
      xdg: xdgDirs('/work/state'),
      password: 'fresh-password',
      config: buildOpencodeConfig(serverConfig),
    })
    expect(Object.keys(env).filter((key) => key.startsWith('AGENT_OPS_'))).toEqual([])
    expect(env.NODE_COMPILE_CACHE, 'the runner’s code cache stays the runner’s').toBeUndefined()
    expect(JSON.stringify(env)).not.toContain('control-token-xyz')
    expect(env).toMatchObject({
      PATH: '/bin',
      HOME: '/home/x',
      XDG_CONFIG_HOME: '/work/state/config',
      XDG_DATA_HOME: '/work/state/data',
      XDG_CACHE_HOME: '/work/state/cache',
      XDG_STATE_HOME: '/work/state/state',
      OPENCODE_SERVER_PASSWORD: 'fresh-password',
      OPENCODE_DISABLE_AUTOUPDATE: '1',
      OPENCODE_DISABLE_MODELS_FETCH: '1',
    })
    expect(JSON.parse(env.OPENCODE_CONFIG_CONTENT ?? '{}')).toMatchObject(serverConfig)
  })

  it('finds the LLM token in the config so logs can hide it', () => {
    expect(configSecrets(serverConfig)).toEqual(['sess-secret-42'])
  })
})

describe('makeXdgDirs', () => {
  it("makes OpenCode's dirs private and its global config dir read-only, again on a restart", () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'runner-xdg-'))
    try {
      const xdg = xdgDirs(stateDir)
      makeXdgDirs(xdg)
      makeXdgDirs(xdg) // a resumed sandbox runs it on the dirs it kept
      for (const dir of Object.values(xdg)) expect(statSync(dir).mode & 0o777).toBe(0o700)
      expect(statSync(join(xdg.config, 'opencode')).mode & 0o777).toBe(0o555)
    } finally {
      rmSync(stateDir, { recursive: true, force: true })
    }
  })
})

describe('logger', () => {
  it('writes JSON lines and redacts secrets wherever they appear', () => {
    const lines: string[] = []
    const log = createLogger({ secrets: ['control-token-xyz'], write: (line) => lines.push(line) })
    log.addSecret('pw-added-later')
    log.info('connecting with control-token-xyz', {
      header: 'Bearer control-token-xyz',
      nested: { pw: 'pw-added-later' },
    })
    log.error('failed', { error: new Error('boom pw-added-later') })
    expect(lines.join('')).not.toMatch(/control-token-xyz|pw-added-later/)
    const first = JSON.parse(lines[0] ?? '{}')
    expect(first).toMatchObject({
      level: 'info',
      msg: 'connecting with [redacted]',
      header: 'Bearer [redacted]',
    })
    expect(JSON.parse(lines[1] ?? '{}').error).toEqual({ name: 'Error', message: 'boom [redacted]' })
  })
})
