import { hostname } from 'node:os'
import { createInterface } from 'node:readline/promises'
import { Writable } from 'node:stream'
import type { Me } from '@agent-ops/protocol'
import { ApiError, createClient, signInWithPassword } from '@agent-ops/sdk'
import type { Command } from 'commander'
import { configPath, readConfig, resolveConnection, writeConfig } from '../config.ts'
import type { GlobalOptions } from '../context.ts'
import { CliError } from '../errors.ts'

/** The key `login --email` creates: enough to run sessions, never to administer the team. */
export const cliKey = { scopes: ['read', 'write'] as const, expiresInDays: 90 }
const apiKeyPrefix = 'aops_key_'

interface LoginOptions {
  email?: string
  signUp?: boolean
  name?: string
  token?: boolean
}

export function registerLoginCommand(program: Command): void {
  program
    .command('login')
    .description(
      'save an API key for the server: paste one on stdin, or sign in with --email (secrets are read from stdin, ' +
        'never from arguments: those show in `ps`)',
    )
    .option('--email <email>', 'sign in with this email; the password is read from stdin')
    .option('--sign-up', 'with --email: create the account (the first account on a server owns the team)')
    .option('--name <name>', 'with --sign-up: your display name (default: the email)')
    .option('--token', 'read an API key (aops_key_...) from stdin (the default without --email)')
    .addHelpText(
      'after',
      `
Examples:
  agent-ops login --email you@example.com          # prompts for the password, creates a key cli@${hostname()}
  agent-ops login                                  # paste a key from the API keys page
  pbpaste | agent-ops --url https://ops.example.com login`,
    )
    .action(async (options: LoginOptions, command: Command) => {
      const path = configPath()
      const config = await readConfig(path)
      const { url } = resolveConnection(
        command.optsWithGlobals<GlobalOptions>().url,
        { AGENT_OPS_URL: process.env.AGENT_OPS_URL },
        config,
      )
      if (options.email && options.token) throw new CliError('use either --email or --token, not both')
      if (!options.email && (options.signUp || options.name))
        throw new CliError('--sign-up and --name go with --email')
      const { token, me } = options.email
        ? await signInAndCreateKey(url, { ...options, email: options.email })
        : await checkPastedKey(url)
      await writeConfig(path, { url, token })
      process.stdout.write(
        `logged in to ${url} as ${me.user.name} <${me.user.email}>` +
          (me.org
            ? ` (${me.org.role} of ${me.org.name})`
            : ' (not in a team yet: ask an admin for an invite)') +
          `; key saved to ${path}\n`,
      )
    })
}

async function checkPastedKey(url: string): Promise<{ token: string; me: Me }> {
  const token = (await readSecret(`API key for ${url} (input hidden): `)).trim()
  if (!token) throw new CliError('no API key given on stdin')
  if (!token.startsWith(apiKeyPrefix))
    throw new CliError(
      `that is not an API key (they start with ${apiKeyPrefix}): create one on the API keys page of ${url}, ` +
        'or run `agent-ops login --email you@example.com`',
    )
  try {
    return { token, me: await createClient({ baseUrl: url, token }).me() }
  } catch (error) {
    if (error instanceof ApiError && error.status === 401)
      throw new CliError(
        `the server refused that key (invalid, expired or revoked): create a new one on the API keys page of ${url}, ` +
          'or run `agent-ops login --email you@example.com`',
      )
    throw error
  }
}

/** Signs in with a password, creates a CLI key for this machine, and ends the sign-in session again. */
async function signInAndCreateKey(
  url: string,
  options: LoginOptions & { email: string },
): Promise<{ token: string; me: Me }> {
  const anonymous = createClient({ baseUrl: url })
  const { methods, firstUser } = await anonymous.signInOptions()
  if (!methods.includes('password'))
    throw new CliError(
      `${url} does not allow password sign-in (it uses ${methods.join(' or ') || 'no method'}): sign in on the web ` +
        'page, create an API key on the API keys page, and paste it into `agent-ops login`',
    )
  const password = stripNewline(
    await readSecret(`Password for ${options.email} at ${url} (input hidden): `, { keepSpaces: true }),
  )
  if (!password) throw new CliError('no password given on stdin')

  let cookie: string
  try {
    ;({ cookie } = await signInWithPassword(
      url,
      { email: options.email, password, name: options.name },
      { signUp: options.signUp },
    ))
  } catch (error) {
    if (!(error instanceof ApiError)) throw error
    if (error.status === 429) throw new CliError('too many sign-in attempts: wait a minute and try again')
    if (!options.signUp && firstUser)
      throw new CliError(
        `${url} has no account yet: create the first one (it owns the team) with ` +
          '`agent-ops login --email you@example.com --sign-up`, or on the web page',
      )
    const what = options.signUp ? 'sign-up' : 'sign-in'
    throw new CliError(`${what} as ${options.email} failed: ${error.message}`)
  }
  if (!cookie)
    throw new CliError(`${url} answered the sign-in without a session: is this an Agent Ops server?`)

  const session = createClient({ baseUrl: url, cookie })
  try {
    const created = await session.keys.create({
      name: `cli@${hostname()}`,
      scopes: [...cliKey.scopes],
      expiresInDays: cliKey.expiresInDays,
    })
    const me = await createClient({ baseUrl: url, token: created.key }).me()
    return { token: created.key, me }
  } finally {
    // The key is what the CLI keeps; the browser-style session is not needed any more.
    await session.signOut().catch(() => {})
  }
}

function stripNewline(text: string): string {
  return text.replace(/\r?\n$/, '')
}

/**
 * One line from stdin: piped, the first line; on a terminal, typed without echo. Secrets come this way, never
 * from arguments (visible in `ps`) or the environment of other commands.
 */
async function readSecret(prompt: string, opts: { keepSpaces?: boolean } = {}): Promise<string> {
  if (!process.stdin.isTTY) {
    let text = ''
    for await (const chunk of process.stdin) text += chunk
    const line = (text.split('\n')[0] ?? '').replace(/\r$/, '')
    return opts.keepSpaces ? line : line.trim()
  }
  // A terminal: let readline handle line editing but echo into nothing, so the secret is not shown.
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() })
  const lineReader = createInterface({ input: process.stdin, output: silent, terminal: true })
  lineReader.on('SIGINT', () => {
    lineReader.close()
    process.stderr.write('\n')
    process.exit(130)
  })
  process.stderr.write(prompt)
  try {
    const line = await lineReader.question('')
    return opts.keepSpaces ? line : line.trim()
  } finally {
    lineReader.close()
    process.stderr.write('\n')
  }
}
