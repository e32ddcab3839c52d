/** An expected failure: main prints `error: <message>` and exits 1, without a stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError'
}

export const missingTokenMessage =
  'no API token. Run `agent-ops login` (paste the admin token the server printed on its first start, ' +
  'or an API key), or set AGENT_OPS_TOKEN'
