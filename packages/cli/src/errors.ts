/** An expected failure: main prints `error: <message>` and exits 1, without a stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError'
}

const loginHowTo =
  'run `agent-ops login --email you@example.com` (or `agent-ops login` and paste a key from the API keys page)'

export const missingTokenMessage = `not logged in: ${loginHowTo}, or set AGENT_OPS_TOKEN to an API key`

/** What to say when the server refused the key the CLI sent (401), depending on where that key came from. */
export function refusedKeyMessage(source: 'env' | 'config' | undefined, serverMessage: string): string {
  if (source === 'env')
    return (
      'the server refused the API key in AGENT_OPS_TOKEN (invalid, expired or revoked): ' +
      'set a valid key, or unset AGENT_OPS_TOKEN and run `agent-ops login`'
    )
  if (source === 'config')
    return 'the server refused your saved API key (expired or revoked): run `agent-ops login` again'
  return `${serverMessage} (${missingTokenMessage})`
}
