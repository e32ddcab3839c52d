import type { Command } from 'commander'
import { authenticatedClient, type GlobalOptions, printJson, write } from '../context.ts'
import { printSessionLog } from '../follow.ts'
import { formatSession, formatSessionList } from '../format.ts'

interface JsonFlag {
  json?: boolean
}

export function registerSessionCommands(program: Command): void {
  const session = program.command('session').description('create, watch and steer agent sessions')
  const globals = (command: Command) => command.optsWithGlobals<GlobalOptions>()

  session
    .command('new')
    .description('start a session with a first prompt')
    .argument('<prompt>', 'what the agent should do')
    .option('--model <provider/model>', 'model to use (default: the server default)')
    .option('--title <title>', 'session title (default: derived from the prompt)')
    .option('--follow', 'stream the log until the first turn ends')
    .option('--json', 'print JSON (with --follow: the session, then NDJSON events)')
    .action(
      async (
        prompt: string,
        options: JsonFlag & { model?: string; title?: string; follow?: boolean },
        command: Command,
      ) => {
        const client = await authenticatedClient(globals(command))
        const created = await client.sessions.create({ prompt, model: options.model, title: options.title })
        if (options.json) write(JSON.stringify(created) + '\n')
        else write(`session ${created.id} created (${created.model})\n`)
        if (!options.follow) return
        process.exitCode = await printSessionLog(client, created.id, {
          until: 'turn-end',
          json: !!options.json,
          write,
        })
      },
    )

  session
    .command('list')
    .description('list sessions, newest first')
    .option('--json', 'print JSON')
    .action(async (options: JsonFlag, command: Command) => {
      const { sessions } = await (await authenticatedClient(globals(command))).sessions.list()
      if (options.json) printJson(sessions)
      else write(formatSessionList(sessions, new Date()))
    })

  session
    .command('show')
    .description('show one session')
    .argument('<id>', 'session id')
    .option('--json', 'print JSON')
    .action(async (id: string, options: JsonFlag, command: Command) => {
      const found = await (await authenticatedClient(globals(command))).sessions.get(id)
      if (options.json) printJson(found)
      else write(formatSession(found))
    })

  session
    .command('logs')
    .description("print a session's log so far")
    .argument('<id>', 'session id')
    .option('--follow', 'keep streaming until the session stops (exit 1 if it failed)')
    .option('--json', 'print NDJSON events')
    .action(async (id: string, options: JsonFlag & { follow?: boolean }, command: Command) => {
      const client = await authenticatedClient(globals(command))
      const until = options.follow ? 'stopped' : 'caught-up'
      process.exitCode = await printSessionLog(client, id, { until, json: !!options.json, write })
    })

  session
    .command('send')
    .description('send a message (waits behind the current turn unless --steer)')
    .argument('<id>', 'session id')
    .argument('<text>', 'the message')
    .option('--steer', 'abort the current turn and send at once')
    .action(async (id: string, text: string, options: { steer?: boolean }, command: Command) => {
      const client = await authenticatedClient(globals(command))
      const result = await client.sessions.send(id, { text, mode: options.steer ? 'steer' : 'followup' })
      write(result.queued ? `queued (${result.messageId})\n` : `sent (${result.messageId})\n`)
    })

  session
    .command('abort')
    .description("abort the agent's current turn")
    .argument('<id>', 'session id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const result = await (await authenticatedClient(globals(command))).sessions.abort(id)
      write(result.aborted ? 'aborted\n' : 'nothing to abort: the agent is not working\n')
    })

  session
    .command('resume')
    .description('wake a hibernated session: its agent comes back with the conversation, without a message')
    .argument('<id>', 'session id')
    .action(async (id: string, _options: unknown, command: Command) => {
      await (await authenticatedClient(globals(command))).sessions.resume(id)
      write(`session ${id} resuming\n`)
    })

  session
    .command('stop')
    .description('stop the session for good (its sandbox is removed)')
    .argument('<id>', 'session id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const stopped = await (await authenticatedClient(globals(command))).sessions.stop(id)
      write(`session ${stopped.id} ${stopped.status}\n`)
    })
}
