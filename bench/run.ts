// `npm run bench`: measures Agent Ops against its floor (bare OpenCode) in the same run, prints a table and
// writes bench/results/latest.json. Runs: BENCH_RUNS (default 5).
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import { startScriptedModel } from '@agent-ops/testkit'
import { measureOpenCodeStart, openDirectAgent } from './opencode-direct.ts'
import { measureResume, measureSandboxStart, measureWarmClaims } from './sandbox.ts'
import { startStack } from './stack.ts'
import { type Metric, metric, round } from './stats.ts'
import { measureUiOpen } from './ui-open.ts'

const runs = Number(process.env.BENCH_RUNS ?? 5)
const progress = (message: string) => process.stderr.write(`[bench] ${message}\n`)

const model = await startScriptedModel({
  script: {
    exchanges: [{ match: /[\s\S]*/, steps: [{ text: 'First token, then the rest of a short answer.' }] }],
  },
})
const stack = await startStack(model)
const samples: Record<string, number[]> = {
  opencode_start_ms: [],
  session_ready_ms: [],
  first_token_direct_ms: [],
  first_token_stack_ms: [],
  ui_open_10k_events_ms: [],
}

try {
  // Start-up: interleaved so load on the machine affects floor and stack alike.
  for (let i = 0; i < runs; i++) {
    progress(`start-up ${i + 1}/${runs}`)
    samples.opencode_start_ms!.push(await measureOpenCodeStart(model))
    samples.session_ready_ms!.push(await stack.measureSessionReady())
  }
  // First token, warm: one untimed turn each first (OpenCode's first prompt initialises lazily).
  const direct = await openDirectAgent(model)
  const viaStack = await stack.openSession()
  await direct.firstToken('warm up')
  await viaStack.firstToken('warm up')
  // Turns are cheap and noisy (OpenCode's own work varies): many more samples than start-ups.
  const turns = runs * 4
  for (let i = 0; i < turns; i++) {
    progress(`first token ${i + 1}/${turns}`)
    samples.first_token_direct_ms!.push(await direct.firstToken(`prompt ${i}`))
    samples.first_token_stack_ms!.push(await viaStack.firstToken(`prompt ${i}`))
  }
  await direct.close()
  await stack.close()

  // Sandboxes (bubblewrap: needs root; skipped with a note elsewhere).
  if (process.getuid?.() === 0) {
    progress('sandbox start-up')
    const start = await measureSandboxStart(runs * 2)
    samples.sandbox_start_ms = start.sandbox
    samples.bare_spawn_ms = start.bare
    progress('warm pool claims')
    samples.warm_claim_ms = await measureWarmClaims(model, runs)
    progress('hibernate and resume')
    const resumed = await measureResume(model, runs)
    samples.resume_ms = resumed.resume
    samples.idle_session_rss_mb = resumed.rss
  } else progress('not root: bubblewrap sandbox metrics skipped')

  progress(`web client: opening a 10,000-event session ${runs} times`)
  samples.ui_open_10k_events_ms = await measureUiOpen(model, runs)
} finally {
  await stack.close().catch(() => {})
  await model.close()
}

const metrics: Record<string, Metric> = Object.fromEntries(
  Object.entries(samples).map(([k, v]) => [k, metric(v, k.endsWith('_mb') ? 'mb' : 'ms')]),
)
const m = (name: string) => metrics[name]!.median
const sandboxed = metrics.warm_claim_ms !== undefined
const derived = {
  first_token_overhead_ms: round(m('first_token_stack_ms') - m('first_token_direct_ms')),
  session_ready_vs_opencode_start: round(m('session_ready_ms') / m('opencode_start_ms'), 2),
  ...(sandboxed && {
    sandbox_start_overhead_ms: round(m('sandbox_start_ms') - m('bare_spawn_ms')),
    resume_minus_opencode_start_ms: round(m('resume_ms') - m('opencode_start_ms')),
  }),
}
const targets = {
  first_token_overhead_ms: { limit: 15, met: derived.first_token_overhead_ms < 15 },
  session_ready_vs_opencode_start: { limit: 1.2, met: derived.session_ready_vs_opencode_start <= 1.2 },
  ui_open_10k_events_ms: { limit: 1000, met: m('ui_open_10k_events_ms') < 1000 },
  ...(sandboxed && {
    warm_claim_ms: { limit: 250, met: m('warm_claim_ms') < 250 },
    resume_minus_opencode_start_ms: {
      limit: 300,
      met: (derived.resume_minus_opencode_start_ms ?? Number.POSITIVE_INFINITY) <= 300,
    },
  }),
}

/** Metrics measured against a fixed target rather than a floor. */
const targetOf: Record<string, string> = { ui_open_10k_events_ms: 'target < 1000 ms' }
const floorOf: Record<string, string> = {
  session_ready_ms: 'opencode_start_ms',
  first_token_stack_ms: 'first_token_direct_ms',
  sandbox_start_ms: 'bare_spawn_ms',
  warm_claim_ms: 'opencode_start_ms',
  resume_ms: 'opencode_start_ms',
}
const rows = Object.entries(metrics).map(([name, value]) => {
  const floor = floorOf[name]
  return {
    metric: name,
    median: value.median,
    p90: value.p90,
    'vs floor': floor
      ? `${round(value.median / m(floor), 2)}x ${floor}`
      : name.endsWith('_mb')
        ? ''
        : (targetOf[name] ?? 'floor'),
  }
})
console.table(rows)
console.log(
  `first token overhead: ${derived.first_token_overhead_ms} ms (target < 15 ms: ${targets.first_token_overhead_ms.met ? 'met' : 'NOT met'})`,
)
console.log(
  `session ready: ${derived.session_ready_vs_opencode_start}x OpenCode start-up (target <= 1.2x: ${targets.session_ready_vs_opencode_start.met ? 'met' : 'NOT met'})`,
)

if (sandboxed) {
  console.log(
    `warm claim: ${m('warm_claim_ms')} ms (target < 250 ms: ${targets.warm_claim_ms?.met ? 'met' : 'NOT met'})`,
  )
  console.log(
    `resume: ${derived.resume_minus_opencode_start_ms} ms over OpenCode start-up (target <= 300 ms: ${targets.resume_minus_opencode_start_ms?.met ? 'met' : 'NOT met'})`,
  )
  console.log(`idle session memory: ${m('idle_session_rss_mb')} MB (runner + OpenCode)`)
}

console.log(
  `10,000-event session opened in the browser: ${m('ui_open_10k_events_ms')} ms (target < 1000 ms: ${targets.ui_open_10k_events_ms.met ? 'met' : 'NOT met'})`,
)

const resultsDir = fileURLToPath(new URL('./results/', import.meta.url))
mkdirSync(resultsDir, { recursive: true })
const result = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
  runs,
  metrics,
  derived,
  targets,
}
writeFileSync(`${resultsDir}latest.json`, `${JSON.stringify(result, null, 2)}\n`)
progress(`wrote ${resultsDir}latest.json`)
// Some handle left by a measurement (not yet tracked down) keeps the event loop alive after every close();
// the results are written, so end here rather than hang.
process.exit(0)
