import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { resolve } from 'node:path'
import { ModelRef, PermissionPolicy } from '@agent-ops/protocol'
import { z } from 'zod'

/**
 * Every setting, its environment variable and its default, declared once (docs/configuration.md mirrors this).
 * Sources, later wins: defaults < the JSON file named by AGENT_OPS_CONFIG < environment < programmatic overrides.
 */
const port = z.coerce.number().int().min(0).max(65_535)
const url = z.url({ message: 'must be an http(s) URL' })
const positiveMs = z.coerce.number().int().positive()

export const ConfigSchema = z.object({
  port: port.default(8787),
  /** Until accounts exist the server only listens on loopback. */
  host: z.enum(['127.0.0.1', 'localhost', '::1']).default('127.0.0.1'),
  dataDir: z.string().min(1).default(resolve(homedir(), '.agent-ops')),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Sets the admin token instead of generating one (automation). Stored hashed like a generated one. */
  adminToken: z.string().min(16, 'AGENT_OPS_ADMIN_TOKEN must be at least 16 characters').optional(),
  defaultModel: ModelRef.optional(),
  permissionPolicy: PermissionPolicy.default('allow'),
  /** Marks the scripted testkit model as the demo model in the UI. */
  demo: z.coerce.boolean().default(false),
  anthropicApiKey: z.string().min(1).optional(),
  anthropicBaseUrl: url.default('https://api.anthropic.com/v1'),
  openaiApiKey: z.string().min(1).optional(),
  openaiBaseUrl: url.default('https://api.openai.com/v1'),
  googleApiKey: z.string().min(1).optional(),
  googleBaseUrl: url.default('https://generativelanguage.googleapis.com/v1beta'),
  openaiCompatibleUrl: url.optional(),
  openaiCompatibleKey: z.string().min(1).optional(),
  /** Deadline for a session to go from created to agent ready before it fails. */
  bootTimeoutMs: positiveMs.default(120_000),
  /** After a server restart, how long a live runner has to reconnect before its session fails. */
  reconnectTimeoutMs: positiveMs.default(30_000),
  sseHeartbeatMs: positiveMs.default(15_000),
  /** Directory of the built web client; the server serves it at `/`. */
  clientDir: z.string().optional(),
})
export type Config = z.output<typeof ConfigSchema>
export type ConfigInput = z.input<typeof ConfigSchema>

const envNames: Record<keyof Config, string> = {
  port: 'AGENT_OPS_PORT',
  host: 'AGENT_OPS_HOST',
  dataDir: 'AGENT_OPS_DATA_DIR',
  logLevel: 'AGENT_OPS_LOG_LEVEL',
  adminToken: 'AGENT_OPS_ADMIN_TOKEN',
  defaultModel: 'AGENT_OPS_DEFAULT_MODEL',
  permissionPolicy: 'AGENT_OPS_PERMISSION_POLICY',
  demo: 'AGENT_OPS_DEMO',
  anthropicApiKey: 'ANTHROPIC_API_KEY',
  anthropicBaseUrl: 'AGENT_OPS_ANTHROPIC_BASE_URL',
  openaiApiKey: 'OPENAI_API_KEY',
  openaiBaseUrl: 'AGENT_OPS_OPENAI_BASE_URL',
  googleApiKey: 'GOOGLE_GENERATIVE_AI_API_KEY',
  googleBaseUrl: 'AGENT_OPS_GOOGLE_BASE_URL',
  openaiCompatibleUrl: 'AGENT_OPS_OPENAI_COMPATIBLE_URL',
  openaiCompatibleKey: 'AGENT_OPS_OPENAI_COMPATIBLE_KEY',
  bootTimeoutMs: 'AGENT_OPS_BOOT_TIMEOUT_MS',
  reconnectTimeoutMs: 'AGENT_OPS_RECONNECT_TIMEOUT_MS',
  sseHeartbeatMs: 'AGENT_OPS_SSE_HEARTBEAT_MS',
  clientDir: 'AGENT_OPS_CLIENT_DIR',
}
export const configEnvNames: Readonly<Record<keyof Config, string>> = envNames

export class ConfigError extends Error {
  override name = 'ConfigError'
}

function fromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const values: Record<string, string> = {}
  for (const [key, name] of Object.entries(envNames)) {
    const value = env[name]
    if (value !== undefined && value !== '') values[key] = value
  }
  // A boolean from the environment: only "1"/"true" mean yes ("0" must not coerce to true).
  if (values.demo !== undefined) values.demo = /^(1|true|yes)$/i.test(values.demo) ? 'true' : ''
  return values
}

function fromFile(path: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigError(
      `cannot read the config file ${path} (AGENT_OPS_CONFIG): ${(error as Error).message}`,
    )
  }
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error('not a JSON object')
    return value as Record<string, unknown>
  } catch (error) {
    throw new ConfigError(`the config file ${path} is not valid JSON: ${(error as Error).message}`)
  }
}

/** Reads and validates the configuration; throws ConfigError listing every problem with its variable name. */
export function loadConfig(overrides: ConfigInput = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const file = env.AGENT_OPS_CONFIG ? fromFile(env.AGENT_OPS_CONFIG) : {}
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined))
  const merged = { ...file, ...fromEnv(env), ...defined }
  const result = ConfigSchema.strict().safeParse(merged)
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '')
      const name = envNames[key as keyof Config]
      return `  - ${name ? `${name} (${key})` : key || 'config'}: ${issue.message}`
    })
    throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`)
  }
  return { ...result.data, dataDir: resolve(result.data.dataDir) }
}
