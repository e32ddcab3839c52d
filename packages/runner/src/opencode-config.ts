import { chmodSync, mkdirSync, readFileSync } from 'node:fs'
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

/** See panels/cdp-forward.ts: the port the agent's browser tools connect to, inside the sandbox. */
export const defaultCdpPort = 9222
/** See panels/browser-mcp-endpoint.ts: where OpenCode finds the browser tools, inside the sandbox. */
export const defaultBrowserMcpPort = 9221

export type AgentBrowserPorts = { cdpPort: number; mcpPort: number }

/**
 * The agent's browser ports when the sandbox has panels (the browser exists only then), read from the raw
 * environment: early-start.ts runs before the validated one (env.ts) is loaded. Same rules as env.ts.
 */
export function agentBrowserPorts(env: NodeJS.ProcessEnv): AgentBrowserPorts | undefined {
  if (!env.AGENT_OPS_PANEL_SOCKET) return undefined
  const port = (value: string | undefined, fallback: number) => {
    const number = Number(value || fallback)
    return Number.isInteger(number) && number >= 1 && number <= 65_535 ? number : undefined
  }
  const cdpPort = port(env.AGENT_OPS_CDP_PORT, defaultCdpPort)
  const mcpPort = port(env.AGENT_OPS_BROWSER_MCP_PORT, defaultBrowserMcpPort)
  return cdpPort && mcpPort ? { cdpPort, mcpPort } : undefined
}

/**
 * OpenCode's MCP entry for the browser tools: a remote server the runner answers on loopback, which starts the
 * real Playwright MCP on the agent's first browser tool call (panels/browser-mcp-endpoint.ts says why).
 */
export function browserMcp(mcpPort: number): Record<string, unknown> {
  return { browser: { type: 'remote', url: `http://127.0.0.1:${mcpPort}/mcp`, oauth: false, enabled: true } }
}

/**
 * The real Playwright MCP, on the sandbox's Chromium (the one people watch in the browser panel) over DevTools.
 */
export function playwrightMcpCommand(cdpPort: number, stateDir: string): string[] {
  const require = createRequire(import.meta.url)
  const cli = join(dirname(require.resolve('@playwright/mcp/package.json')), 'cli.js')
  // Its snapshots and screenshots default to the working directory: the repository, where the agent would commit them.
  const outputDir = join(stateDir, 'browser-output')
  return [process.execPath, cli, '--cdp-endpoint', `http://127.0.0.1:${cdpPort}`, '--output-dir', outputDir]
}

/** With `browser`, the agent gets the sandbox's browser (see browserMcp). */
export function buildOpencodeConfig(
  server: ServerOpencodeConfig,
  browser?: AgentBrowserPorts,
): Record<string, unknown> {
  // The server's providers, model and small_model win; nothing pre-allows permissions: OpenCode's own
  // defaults ask, and the runner answers every ask by the session's policy.
  const mcp = browser ? { mcp: browserMcp(browser.mcpPort) } : {}
  return { ...baseConfig, ...mcp, ...server }
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

/**
 * Creates OpenCode's XDG dirs, with its global config dir (`<config>/opencode`) read-only. OpenCode installs its
 * plugin SDK (`@opencode-ai/plugin`, ~64 MB from the npm registry) into every writable config dir it reads, on
 * the first request of each new home: in a sandbox that is every session, and the install (npm's Arborist, in
 * OpenCode's own thread) held a new session's creation up by ~0.3 s. The dir exists only for local plugins, which
 * a session does not have: its config comes from the server (`OPENCODE_CONFIG_CONTENT`). OpenCode skips the
 * install when it may not write there (it checks `access(W_OK)`; root ignores modes, so outside a sandbox run
 * as root the install still happens, harmlessly).
 */
export function makeXdgDirs(xdg: XdgDirs): void {
  for (const dir of Object.values(xdg)) mkdirSync(dir, { recursive: true, mode: 0o700 })
  const opencodeConfig = join(xdg.config, 'opencode')
  mkdirSync(opencodeConfig, { recursive: true })
  chmodSync(opencodeConfig, 0o555)
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
