#!/usr/bin/env node
import { ApiError, ConnectionError, InvalidResponseError } from '@agent-ops/sdk'
import { Command } from 'commander'
import { registerLoginCommand } from './commands/login.ts'
import { registerServeCommand } from './commands/serve.ts'
import { registerSessionCommands } from './commands/session.ts'
import { registerWhoamiCommand } from './commands/whoami.ts'
import { type GlobalOptions, keySource } from './context.ts'
import { CliError, refusedKeyMessage } from './errors.ts'

const program = new Command('agent-ops')
  .description('Agent Ops: background coding agents on infrastructure you own')
  .option('--url <url>', 'server URL (default: $AGENT_OPS_URL, the saved login, or http://127.0.0.1:8787)')
  .showHelpAfterError('(run with --help for usage)')

// `agent-ops session logs x | head`: the reader left, which is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0)
  throw error
})

registerServeCommand(program)
registerLoginCommand(program)
registerWhoamiCommand(program)
registerSessionCommands(program)

try {
  await program.parseAsync()
} catch (error) {
  process.stderr.write(`error: ${await describeError(error)}\n`)
  process.exitCode = 1
}

/** Expected failures read as one line; anything else keeps its stack, it is a bug worth reporting. */
async function describeError(error: unknown): Promise<string> {
  if (error instanceof ApiError && error.status === 401) {
    return refusedKeyMessage(await keySource(program.opts<GlobalOptions>()), error.message)
  }
  if (error instanceof ConnectionError) return `${error.message} (is the server running? \`agent-ops serve\`)`
  if (error instanceof ApiError || error instanceof InvalidResponseError || error instanceof CliError) {
    return error.message
  }
  return error instanceof Error ? (error.stack ?? error.message) : String(error)
}
