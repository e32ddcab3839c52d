import { type Client, createClient } from '@agent-ops/sdk'
import { configPath, readConfig, resolveConnection } from './config.ts'
import { CliError, missingTokenMessage } from './errors.ts'

export interface GlobalOptions {
  url?: string
}

/** A client for the resolved server, with an API key: every command except `serve` and `login` needs one. */
export async function authenticatedClient(options: GlobalOptions): Promise<Client> {
  const config = await readConfig(configPath())
  const { url, token } = resolveConnection(options.url, process.env, config)
  if (!token) throw new CliError(missingTokenMessage)
  return createClient({ baseUrl: url, token })
}

/** Where the key of this invocation came from (for error messages); undefined when there is none. */
export async function keySource(options: GlobalOptions): Promise<'env' | 'config' | undefined> {
  try {
    return resolveConnection(options.url, process.env, await readConfig(configPath())).tokenSource
  } catch {
    return undefined
  }
}

export function write(text: string): void {
  process.stdout.write(text)
}

export function printJson(value: unknown): void {
  write(JSON.stringify(value, null, 2) + '\n')
}
