import { type Command, InvalidArgumentError } from 'commander'
import { CliError } from '../errors.ts'

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the Agent Ops server (other settings come from AGENT_OPS_* environment variables)')
    .option('--port <port>', 'port to listen on', parsePort)
    .option('--data-dir <dir>', 'where the database and secrets live')
    .option('--unsafe-no-isolation', 'run sessions without a sandbox (development only; loudly logged)')
    .action(async (options: { port?: number; dataDir?: string; unsafeNoIsolation?: boolean }) => {
      // Loaded lazily: the server pulls in the database and sandbox code the other commands never need.
      const { serve, ConfigError } = await import('@agent-ops/server')
      let server: Awaited<ReturnType<typeof serve>>
      try {
        server = await serve({ port: options.port, dataDir: options.dataDir })
      } catch (error) {
        // Bad settings and a busy port are the user's to fix: say so in one line, no stack trace.
        const expected =
          error instanceof ConfigError || (error instanceof Error && /already in use/.test(error.message))
        throw expected ? new CliError(error.message) : error
      }
      process.stderr.write(`agent-ops serving at ${server.url}\n`)
      let closing = false
      const shutdown = async () => {
        if (closing) return
        closing = true
        await server.close()
        process.exit(0)
      }
      process.on('SIGINT', shutdown)
      process.on('SIGTERM', shutdown)
    })
}

function parsePort(value: string): number {
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new InvalidArgumentError('expected a port number, 0-65535')
  return port
}
