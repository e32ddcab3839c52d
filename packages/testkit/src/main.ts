#!/usr/bin/env node
// `node packages/testkit/src/main.ts [--port N] [--host H] [--api-key K] [--script demo]`: serves the scripted
// model, prints one JSON line with its URLs on stdout, and runs until SIGTERM/SIGINT.
import { parseArgs } from 'node:util'
import { demoScript } from './demo-script.ts'
import type { Script } from './script.ts'
import { startScriptedModel } from './server.ts'

const SCRIPTS: Record<string, Script> = { demo: demoScript }

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'api-key': { type: 'string' },
    script: { type: 'string', default: 'demo' },
  },
})
const script = SCRIPTS[values.script]
const port = Number(values.port)
if (!script || !Number.isInteger(port) || port < 0 || port > 65_535) {
  process.stderr.write(
    `usage: main.ts [--port N] [--host H] [--api-key K] [--script ${Object.keys(SCRIPTS).join('|')}]\n`,
  )
  process.exit(2)
}

const model = await startScriptedModel({ script, port, host: values.host, apiKey: values['api-key'] })
const { url, openaiBaseUrl, anthropicBaseUrl, modelId } = model
process.stdout.write(`${JSON.stringify({ url, openaiBaseUrl, anthropicBaseUrl, modelId })}\n`)

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void model.close().finally(() => process.exit(0))
  })
}
