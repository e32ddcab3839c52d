import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { ServerOpencodeConfig } from './env.ts'

/**
 * What OpenCode is given: its config (ours merged with the server's providers), its environment (never an
 * `AGENT_OPS_*` variable: the control token stays with the runner) and where its binary is.
 */

/** Settings that keep OpenCode quiet and offline: no self-update, no sharing to the cloud. */
const baseConfig = {
  $schema: 'https://opencode.ai/config.json',
  autoupdate: false,
  share: 'disabled',
} as const

export function buildOpencodeConfig(server: ServerOpencodeConfig): Record<string, unknown> {
  // The server's providers, model and small_model win; nothing pre-allows permissions: OpenCode's own
  // defaults ask, and the runner answers every ask by the session's policy.
  return { ...baseConfig, ...server }
}

export type XdgDirs = { config: string; data: string; cache: string; state: string }

/** OpenCode's XDG dirs live in the runner's state dir, so a restarted OpenCode finds its stored sessions. */
export function xdgDirs(stateDir: string): XdgDirs {
  return {
    config: join(stateDir, 'config'),
    data: join(stateDir, 'data'),
    cache: join(stateDir, 'cache'),
    state: join(stateDir, 'state'),
  }
}

export type OpencodeEnvInput = {
  /** The runner's own environment, inherited minus everything of ours. */
  inherited: NodeJS.ProcessEnv
  xdg: XdgDirs
  password: string
  config: Record<string, unknown>
}

export function buildOpencodeEnv(input: OpencodeEnvInput): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(input.inherited)) {
    if (value === undefined || key.startsWith('AGENT_OPS_') || key.startsWith('OPENCODE_')) continue
    // The runner's own code cache (set by the provider): the agent's Node programs must not write into it.
    if (key === 'NODE_COMPILE_CACHE') continue
    env[key] = value
  }
  return {
    ...env,
    XDG_CONFIG_HOME: input.xdg.config,
    XDG_DATA_HOME: input.xdg.data,
    XDG_CACHE_HOME: input.xdg.cache,
    XDG_STATE_HOME: input.xdg.state,
    OPENCODE_SERVER_PASSWORD: input.password,
    OPENCODE_CONFIG_CONTENT: JSON.stringify(input.config),
    // Start-up must not depend on the network: no update check, no models.dev catalogue fetch (the bundled
    // snapshot is used), no language-server downloads when the agent edits a file.
    OPENCODE_DISABLE_AUTOUPDATE: '1',
    OPENCODE_DISABLE_MODELS_FETCH: '1',
    OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
    OPENCODE_DISABLE_SHARE: '1',
  }
}

/** The `opencode` binary of the pinned `opencode-ai` package (its package.json names it under `bin`). */
export function resolveOpencodeBinary(): string {
  const require = createRequire(import.meta.url)
  const manifestPath = require.resolve('opencode-ai/package.json')
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { bin?: string | Record<string, string> }
  const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin?.opencode
  if (!bin) throw new Error(`opencode-ai at ${manifestPath} names no opencode binary`)
  return join(dirname(manifestPath), bin)
}

/** Every string under an `apiKey` key (the LLM proxy's session token): kept out of the runner's logs. */
export function configSecrets(config: unknown): string[] {
  const found: string[] = []
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk)
    else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (typeof inner === 'string' && /^(apiKey|token|authorization)$/i.test(key)) found.push(inner)
        else walk(inner)
      }
    }
  }
  walk(config)
  return found
}
