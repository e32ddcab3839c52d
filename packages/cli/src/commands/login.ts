import { createInterface } from 'node:readline/promises'
import { Writable } from 'node:stream'
import { createClient } from '@agent-ops/sdk'
import type { Command } from 'commander'
import { configPath, readConfig, resolveConnection, writeConfig } from '../config.ts'
import type { GlobalOptions } from '../context.ts'
import { CliError } from '../errors.ts'

export function registerLoginCommand(program: Command): void {
  program
    .command('login')
    .description('save a token for the server (read from stdin, never from arguments: those show in `ps`)')
    .addHelpText(
      'after',
      '\nExamples:\n  agent-ops login\n  pbpaste | agent-ops --url https://ops.example.com login',
    )
    .action(async (_options: unknown, command: Command) => {
      const path = configPath()
      const config = await readConfig(path)
      const { url } = resolveConnection(
        command.optsWithGlobals<GlobalOptions>().url,
        { AGENT_OPS_URL: process.env.AGENT_OPS_URL },
        config,
      )
      const token = await readToken(`Token for ${url} (input hidden): `)
      if (!token) throw new CliError('no token given on stdin')
      // Any authenticated route proves the token works.
      await createClient({ baseUrl: url, token }).sessions.list()
      await writeConfig(path, { url, token })
      process.stdout.write(`logged in to ${url}; saved to ${path}\n`)
    })
}

async function readToken(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    let text = ''
    for await (const chunk of process.stdin) text += chunk
    return text.trim().split('\n')[0]?.trim() ?? ''
  }
  // A terminal: let readline handle line editing but echo into nothing, so the token is not shown.
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() })
  const lineReader = createInterface({ input: process.stdin, output: silent, terminal: true })
  lineReader.on('SIGINT', () => {
    lineReader.close()
    process.stderr.write('\n')
    process.exit(130)
  })
  process.stderr.write(prompt)
  try {
    return (await lineReader.question('')).trim()
  } finally {
    lineReader.close()
    process.stderr.write('\n')
  }
}
