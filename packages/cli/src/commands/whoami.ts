import type { Me } from '@agent-ops/protocol'
import type { Command } from 'commander'
import { authenticatedClient, type GlobalOptions, printJson, write } from '../context.ts'

export function registerWhoamiCommand(program: Command): void {
  program
    .command('whoami')
    .description('show who the saved API key (or AGENT_OPS_TOKEN) belongs to, its team role and scopes')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const client = await authenticatedClient(command.optsWithGlobals<GlobalOptions>())
      const me = await client.me()
      if (options.json) printJson(me)
      else write(formatMe(me, client.baseUrl))
    })
}

export function formatMe(me: Me, url: string): string {
  const rows: [string, string][] = [
    ['user', `${me.user.name} <${me.user.email}>`],
    [
      'team',
      me.org ? `${me.org.name} (${me.org.role})` : 'none yet: ask an admin of your team for an invite',
    ],
    ['scopes', me.scopes.join(', ')],
    ['server', url],
  ]
  return rows.map(([key, value]) => `${`${key}:`.padEnd(8)}${value}`).join('\n') + '\n'
}
