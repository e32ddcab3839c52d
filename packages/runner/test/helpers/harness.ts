// One scripted model, one test control server and one real runner (with its real OpenCode), torn down
// together; the runner's log is printed when a test fails.
import type { AgentEvent, PermissionPolicy } from '@agent-ops/protocol'
import { type Script, type ScriptedModel, startScriptedModel } from '@agent-ops/testkit'
import { onTestFailed } from 'vitest'
import { startControlServer, type TestControlServer } from './control-server.ts'
import {
  type RunnerProcess,
  type RunnerProcessOptions,
  startRunnerProcess,
  testkitConfig,
} from './runner-process.ts'

export type Harness = {
  model: ScriptedModel
  server: TestControlServer
  runner: RunnerProcess
  /** Resolves with the index just past the first event matching, waiting for it. */
  waitFor(predicate: (event: AgentEvent) => boolean, from?: number, timeoutMs?: number): Promise<number>
  cleanup(): Promise<void>
}

export const READY_TIMEOUT_MS = 60_000
export const TURN_TIMEOUT_MS = 60_000
/** OpenCode takes seconds to start, and many more on a loaded two-core machine. */
export const INTEGRATION_TIMEOUT_MS = 150_000

export async function startHarness(opts: {
  script: Script
  policy?: PermissionPolicy
  runner?: Partial<RunnerProcessOptions>
}): Promise<Harness> {
  const model = await startScriptedModel({ script: opts.script })
  const server = await startControlServer({
    model: 'testkit/scripted-model',
    permissionPolicy: opts.policy ?? 'allow',
  })
  const runner = await startRunnerProcess({
    controlUrl: server.url,
    token: server.token,
    opencodeConfig: testkitConfig(model.openaiBaseUrl),
    ...opts.runner,
  })
  onTestFailed(() => {
    const lines = runner
      .logs()
      .split('\n')
      .filter((line) => !line.includes('"opencode output"'))
    console.error(
      `runner log:\n${lines.join('\n')}\nevents:\n${server
        .events()
        .map((e) => JSON.stringify(e))
        .join('\n')}`,
    )
  })
  return {
    model,
    server,
    runner,
    async waitFor(predicate, from = 0, timeoutMs = TURN_TIMEOUT_MS) {
      const found = await server.waitFor(predicate, timeoutMs, from)
      return server.events().indexOf(found, from) + 1
    },
    async cleanup() {
      await runner.cleanup()
      await server.close()
      await model.close()
    },
  }
}

export const isStatus = (status: string) => (e: AgentEvent) =>
  e.type === 'agent.status' && e.data.status === status

/** A long, slowly streamed answer: a turn that is still running when the test interferes. */
export const slowText = (words = 120) => ({
  text: Array.from({ length: words }, (_, i) => `word${i}`).join(' '),
  chunkDelayMs: 40,
})

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
