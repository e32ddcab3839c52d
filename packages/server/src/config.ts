import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { homedir, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import { ModelRef, PermissionPolicy } from '@agent-ops/protocol'
import { z } from 'zod'

/**
 * Every setting, its environment variable and its default, declared once (docs/configuration.md mirrors this).
 * Sources, later wins: defaults < the JSON file named by AGENT_OPS_CONFIG < environment < programmatic overrides.
 */
const port = z.coerce.number().int().min(0).max(65_535)
const url = z.url({ message: 'must be an http(s) URL' })
const positiveMs = z.coerce.number().int().positive()
const bytes = z.coerce.number().int().positive()
/** A boolean from the environment or a file: only 1/true/yes mean yes ("0" must not coerce to true). */
const flag = z.union([z.boolean(), z.string().transform((v) => /^(1|true|yes)$/i.test(v))])
const GiB = 1024 ** 3

export const ConfigSchema = z.object({
  port: port.default(8787),
  /** Loopback by default; listen on all interfaces with 0.0.0.0 (then set publicUrl). */
  host: z.string().min(1).default('127.0.0.1'),
  /**
   * The URL people open (e.g. https://agents.example.com): cookies, OAuth callbacks and the CSRF origin check
   * derive from it. Default: http://localhost:<port>. With https, cookies are Secure.
   */
  publicUrl: url.optional(),
  /**
   * Base of the per-session sandbox origins that serve the panels (VS Code, browser, terminal, ports): a session's
   * origin is `<scheme>://<session label>.<base host>[:port]`. Must not share a cookie scope with publicUrl.
   * Default: http://sandbox.localhost:<port> (browsers resolve *.localhost to loopback).
   */
  sandboxBaseUrl: url.optional(),
  /** Behind a reverse proxy: take the client address from X-Forwarded-For (for rate limits and the audit log). */
  trustProxy: flag.default(false),
  /** Local email + password sign-in (for self-hosting without an OAuth app). */
  passwordSignIn: flag.default(true),
  githubClientId: z.string().min(1).optional(),
  githubClientSecret: z.string().min(1).optional(),
  /** GitHub Enterprise Server: its base URL (the API is then at <base>/api/v3). */
  githubBaseUrl: url.default('https://github.com'),
  googleClientId: z.string().min(1).optional(),
  googleClientSecret: z.string().min(1).optional(),
  /** The OpenID issuer whose discovery document describes Google's endpoints. */
  googleIssuer: url.default('https://accounts.google.com'),
  /** How long a browser sign-in lasts. */
  authSessionTtlSeconds: z.coerce
    .number()
    .int()
    .min(300)
    .default(7 * 24 * 3600),
  dataDir: z.string().min(1).default(resolve(homedir(), '.agent-ops')),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
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
  /**
   * Development only: run sessions as plain processes of the server's user, with no isolation at all.
   * Without it the server refuses sessions when bubblewrap isolation is unavailable.
   */
  unsafeNoIsolation: flag.default(false),
  /**
   * Where sandboxes live (workspace volumes, control sockets); outside dataDir, which sandboxes must not reach.
   * Default: /var/lib/agent-ops/sandboxes/<hash of dataDir>, so two servers never share (and sweep) one.
   */
  sandboxDir: z.string().min(1).optional(),
  /** Machine-wide record of which sandbox holds which uid (shared by every server on the machine). */
  sandboxUidPoolDir: z.string().min(1).default('/var/lib/agent-ops/uids'),
  /** First host uid (and gid) handed to sandboxes; one per sandbox, never shared, never root. */
  sandboxUidFirst: z.coerce.number().int().min(1000).default(900_000),
  sandboxUidCount: z.coerce.number().int().positive().default(10_000),
  sandboxMemoryBytes: bytes.default(2 * GiB),
  /** Swap on top of sandboxMemoryBytes. */
  sandboxSwapBytes: z.coerce.number().int().nonnegative().default(0),
  /**
   * CPU per sandbox in thousandths of a core. Two cores by default: OpenCode's start-up uses more than one (about
   * 3 s of CPU in 2 s here), so at one core every session start and resume took ~1.8x as long (3.8 s vs 2.1 s).
   */
  sandboxCpuMillicores: z.coerce.number().int().positive().default(2000),
  sandboxPidsMax: z.coerce.number().int().positive().default(1024),
  /** Size of each sandbox's volume (workspace, home and agent data). */
  sandboxDiskBytes: bytes.default(10 * GiB),
  /**
   * Outbound network for sandboxes: `on` (slirp4netns; never a route to the host's loopback), `off`, or
   * `allow-list` (only sandboxAllowedHosts, through a filtering proxy; docs/sandbox.md says why a proxy).
   */
  sandboxNetwork: z.enum(['on', 'off', 'allow-list']).default('on'),
  /** With sandboxNetwork=allow-list: hosts sandboxes may reach (`example.com`, `*.example.com`, an IP). */
  sandboxAllowedHosts: z
    .union([z.string(), z.array(z.string())])
    .transform((value) =>
      (typeof value === 'string' ? value.split(',') : value).map((host) => host.trim()).filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^(\*\.)?[A-Za-z0-9.:_-]+$/, 'must be a host name, *.domain or an IP')))
    .default([]),
  /** An idle session (ready, no queued message) hibernates after this long; 0 never hibernates. */
  idleTimeoutMs: z.coerce
    .number()
    .int()
    .nonnegative()
    .default(30 * 60_000),
  /** A panel service (VS Code, the browser) unused this long stops; it starts again when opened. */
  panelIdleMs: z.coerce
    .number()
    .int()
    .positive()
    .default(15 * 60_000),
  /** Pre-started sandboxes (runner and agent up) that new sessions claim; 0 disables the pool. */
  warmPoolSize: z.coerce.number().int().nonnegative().default(0),
  /** Sessions one person may have running (not hibernated, stopped or failed) at once. */
  maxActiveSessionsPerUser: z.coerce.number().int().positive().default(10),
  /** Memory all running sandboxes (and the warm pool) may reserve together, at sandboxMemoryBytes each. */
  memoryBudgetBytes: bytes.default(() => Math.floor(totalmem() * 0.75)),
  /** How often sandboxes' resource counters are read, to report limit hits as `sandbox.limit` events. */
  sandboxMonitorMs: positiveMs.default(2_000),
})
export type Config = Omit<z.output<typeof ConfigSchema>, 'sandboxDir'> & { sandboxDir: string }
export type ConfigInput = z.input<typeof ConfigSchema>

const envNames: Record<keyof Config, string> = {
  port: 'AGENT_OPS_PORT',
  host: 'AGENT_OPS_HOST',
  dataDir: 'AGENT_OPS_DATA_DIR',
  logLevel: 'AGENT_OPS_LOG_LEVEL',
  publicUrl: 'AGENT_OPS_PUBLIC_URL',
  sandboxBaseUrl: 'AGENT_OPS_SANDBOX_BASE_URL',
  trustProxy: 'AGENT_OPS_TRUST_PROXY',
  passwordSignIn: 'AGENT_OPS_PASSWORD_SIGN_IN',
  githubClientId: 'AGENT_OPS_GITHUB_CLIENT_ID',
  githubClientSecret: 'AGENT_OPS_GITHUB_CLIENT_SECRET',
  githubBaseUrl: 'AGENT_OPS_GITHUB_BASE_URL',
  googleClientId: 'AGENT_OPS_GOOGLE_CLIENT_ID',
  googleClientSecret: 'AGENT_OPS_GOOGLE_CLIENT_SECRET',
  googleIssuer: 'AGENT_OPS_GOOGLE_ISSUER',
  authSessionTtlSeconds: 'AGENT_OPS_AUTH_SESSION_TTL_SECONDS',
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
  unsafeNoIsolation: 'AGENT_OPS_UNSAFE_NO_ISOLATION',
  sandboxDir: 'AGENT_OPS_SANDBOX_DIR',
  sandboxUidPoolDir: 'AGENT_OPS_SANDBOX_UID_POOL_DIR',
  sandboxUidFirst: 'AGENT_OPS_SANDBOX_UID_FIRST',
  sandboxUidCount: 'AGENT_OPS_SANDBOX_UID_COUNT',
  sandboxMemoryBytes: 'AGENT_OPS_SANDBOX_MEMORY_BYTES',
  sandboxSwapBytes: 'AGENT_OPS_SANDBOX_SWAP_BYTES',
  sandboxCpuMillicores: 'AGENT_OPS_SANDBOX_CPU_MILLICORES',
  sandboxPidsMax: 'AGENT_OPS_SANDBOX_PIDS_MAX',
  sandboxDiskBytes: 'AGENT_OPS_SANDBOX_DISK_BYTES',
  sandboxNetwork: 'AGENT_OPS_SANDBOX_NETWORK',
  sandboxAllowedHosts: 'AGENT_OPS_SANDBOX_ALLOWED_HOSTS',
  idleTimeoutMs: 'AGENT_OPS_IDLE_TIMEOUT_MS',
  panelIdleMs: 'AGENT_OPS_PANEL_IDLE_MS',
  warmPoolSize: 'AGENT_OPS_WARM_POOL_SIZE',
  maxActiveSessionsPerUser: 'AGENT_OPS_MAX_ACTIVE_SESSIONS_PER_USER',
  memoryBudgetBytes: 'AGENT_OPS_MEMORY_BUDGET_BYTES',
  sandboxMonitorMs: 'AGENT_OPS_SANDBOX_MONITOR_MS',
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

function defaultSandboxDir(dataDir: string): string {
  return join('/var/lib/agent-ops/sandboxes', createHash('sha256').update(dataDir).digest('hex').slice(0, 12))
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
  for (const [id, secret, name] of [
    ['githubClientId', 'githubClientSecret', 'GitHub'],
    ['googleClientId', 'googleClientSecret', 'Google'],
  ] as const) {
    if (Boolean(result.data[id]) !== Boolean(result.data[secret]))
      throw new ConfigError(
        `invalid configuration:\n  - ${name} sign-in needs both ${envNames[id]} and ${envNames[secret]}`,
      )
  }
  const dataDir = resolve(result.data.dataDir)
  return {
    ...result.data,
    dataDir,
    sandboxDir: resolve(result.data.sandboxDir ?? defaultSandboxDir(dataDir)),
    sandboxUidPoolDir: resolve(result.data.sandboxUidPoolDir),
  }
}
