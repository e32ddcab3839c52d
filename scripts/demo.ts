// Starts the testkit's scripted model with the demo script, then the server pointed at it as an
// OpenAI-compatible provider. The UI and /api/models say it is the demo model.
import { serve } from '@agent-ops/server'
import { demoScript, startScriptedModel } from '@agent-ops/testkit'

const model = await startScriptedModel({ script: demoScript })
const server = await serve({
  openaiCompatibleUrl: model.openaiBaseUrl,
  defaultModel: `openai-compatible/${model.modelId}`,
  demo: true,
})
// No token to hand out: people sign in. On a fresh data directory the server has just said to create the first
// account (it owns the team); the CLI can sign in with the same email and password.
process.stderr.write(
  `\n  Agent Ops demo: open http://localhost:${server.port} (scripted demo model, no model API key needed).\n` +
    '  Sign in, or create the first account there: it owns the team. For the CLI:\n' +
    `  ./agent-ops --url http://localhost:${server.port} login --email you@example.com\n\n`,
)

let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return
    stopping = true
    await server.close()
    await model.close()
    process.exit(0)
  })
}
