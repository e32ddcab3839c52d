import { isAbsolute } from 'node:path'
import { ModelRef } from '@agent-ops/protocol'
import { z } from 'zod'
import { defaultBrowserMcpPort, defaultCdpPort } from './opencode-config.ts'

/**
 * The runner's start-up contract with the sandbox provider: everything arrives in `AGENT_OPS_*` variables.
 * Every default lives here, once.
 */

/** The part of OpenCode's config the server computes: model providers behind its LLM proxy. */
export const ServerOpencodeConfig = z.looseObject({
  provider: z.record(z.string(), z.unknown()),
  model: ModelRef,
  small_model: ModelRef.optional(),
})
export type ServerOpencodeConfig = z.output<typeof ServerOpencodeConfig>

const absolutePath = z.string().refine((path) => isAbsolute(path), 'must be an absolute path')

const jsonObject = z.string().transform((text, ctx) => {
  try {
    return JSON.parse(text) as unknown
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be valid JSON' })
    return z.NEVER
  }
})

export const RunnerEnv = z
  .object({
    AGENT_OPS_SESSION_ID: z.string().min(1),
    AGENT_OPS_CONTROL_URL: z
      .string()
      .regex(/^(wss?|ws\+unix):\/\//, 'must be a ws://, wss:// or ws+unix:// URL'),
    AGENT_OPS_CONTROL_TOKEN: z.string().min(1),
    AGENT_OPS_WORKSPACE: absolutePath,
    AGENT_OPS_STATE_DIR: absolutePath,
    AGENT_OPS_OPENCODE_CONFIG: jsonObject.pipe(ServerOpencodeConfig),
    AGENT_OPS_OPENCODE_BIN: z.string().min(1).optional(),
    /** Warm pool: connect to the server only once this file exists (the sandbox was claimed). */
    AGENT_OPS_CLAIM_FILE: absolutePath.optional(),
    AGENT_OPS_ORPHAN_TIMEOUT_MS: z.coerce.number().int().positive().default(600_000),
    /** How long a started OpenCode may take to create its session and open its event stream. */
    AGENT_OPS_OPENCODE_CONNECT_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
    /** Where the runner serves the panels (terminal, VS Code, browser) to the gateway; none when absent. */
    AGENT_OPS_PANEL_SOCKET: absolutePath.optional(),
    /** VS Code and the browser stop after this long without a connection or a request. */
    AGENT_OPS_PANEL_IDLE_MS: z.coerce.number().int().positive().default(900_000),
    /** Loopback port the agent's browser tools (Playwright MCP) connect to; see panels/cdp-forward.ts. */
    AGENT_OPS_CDP_PORT: z.coerce.number().int().min(1).max(65_535).default(defaultCdpPort),
    /** Loopback port of the agent's browser tools (an MCP server); see panels/browser-mcp-endpoint.ts. */
    AGENT_OPS_BROWSER_MCP_PORT: z.coerce.number().int().min(1).max(65_535).default(defaultBrowserMcpPort),
  })
  .transform((env) => ({
    sessionId: env.AGENT_OPS_SESSION_ID,
    controlUrl: env.AGENT_OPS_CONTROL_URL,
    controlToken: env.AGENT_OPS_CONTROL_TOKEN,
    workspace: env.AGENT_OPS_WORKSPACE,
    stateDir: env.AGENT_OPS_STATE_DIR,
    opencodeConfig: env.AGENT_OPS_OPENCODE_CONFIG,
    opencodeBin: env.AGENT_OPS_OPENCODE_BIN,
    orphanTimeoutMs: env.AGENT_OPS_ORPHAN_TIMEOUT_MS,
    opencodeConnectTimeoutMs: env.AGENT_OPS_OPENCODE_CONNECT_TIMEOUT_MS,
    claimFile: env.AGENT_OPS_CLAIM_FILE,
    panelSocket: env.AGENT_OPS_PANEL_SOCKET,
    panelIdleMs: env.AGENT_OPS_PANEL_IDLE_MS,
    cdpPort: env.AGENT_OPS_CDP_PORT,
    browserMcpPort: env.AGENT_OPS_BROWSER_MCP_PORT,
  }))
export type RunnerEnv = z.output<typeof RunnerEnv>

export class RunnerEnvError extends Error {
  override name = 'RunnerEnvError'
}

/** Validates the environment; the message lists every problem but never echoes a value (they may be secret). */
export function parseRunnerEnv(env: NodeJS.ProcessEnv): RunnerEnv {
  const result = RunnerEnv.safeParse(env)
  if (result.success) return result.data
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || 'env'}: ${issue.message}`)
  throw new RunnerEnvError(`invalid runner environment:\n  ${problems.join('\n  ')}`)
}
