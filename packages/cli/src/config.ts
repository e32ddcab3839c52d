import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { CliError } from './errors.ts'

export const defaultUrl = 'http://127.0.0.1:8787'

/** What `agent-ops login` saves. */
export interface StoredConfig {
  url?: string
  token?: string
}

export type Env = Readonly<Record<string, string | undefined>>

export function configPath(env: Env = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config')
  return join(base, 'agent-ops', 'config.json')
}

export async function readConfig(path: string): Promise<StoredConfig> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw error
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    throw new CliError(`${path} is not valid JSON; fix it or run agent-ops login again`)
  }
  const config: StoredConfig = {}
  if (data && typeof data === 'object') {
    const { url, token } = data as Record<string, unknown>
    if (typeof url === 'string') config.url = url
    if (typeof token === 'string') config.token = token
  }
  return config
}

/** Writes the config readable by its owner only: it holds an API key. */
export async function writeConfig(path: string, config: StoredConfig): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  await writeFile(path, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 })
  // `mode` applies only when the file is created; an older file may have been wider.
  await chmod(path, 0o600)
}

export interface Connection {
  url: string
  /** An API key (`aops_key_...`). */
  token: string | undefined
  /** Where the key came from, so an error can say which one to replace. */
  tokenSource?: 'env' | 'config'
}

/**
 * URL: --url, AGENT_OPS_URL, the config, the default. Key: AGENT_OPS_TOKEN, else the config's, but only for
 * the URL it was saved for, so pointing --url elsewhere never sends that key to another server.
 */
export function resolveConnection(urlFlag: string | undefined, env: Env, config: StoredConfig): Connection {
  const url = normalizeUrl(urlFlag || env.AGENT_OPS_URL || config.url || defaultUrl)
  if (env.AGENT_OPS_TOKEN) return { url, token: env.AGENT_OPS_TOKEN, tokenSource: 'env' }
  const sameServer = config.url === undefined || normalizeUrl(config.url) === url
  if (!sameServer || !config.token) return { url, token: undefined }
  return { url, token: config.token, tokenSource: 'config' }
}

export function normalizeUrl(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new CliError(`invalid server URL "${url}" (expected e.g. ${defaultUrl})`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CliError(`invalid server URL "${url}": use http:// or https://`)
  }
  return parsed.href.replace(/\/+$/, '')
}
