import { RunnerEnvError } from './env.ts'
import { parseLlmForward, startLlmForward } from './llm-forward.ts'
import { createLogger } from './log.ts'
import { startRunner } from './runner.ts'

// Entry point, started by the sandbox provider in the workspace: `node packages/runner/src/main.ts`.
const log = createLogger()
try {
  const forward = parseLlmForward(process.env.AGENT_OPS_LLM_FORWARD)
  if (forward) await startLlmForward(forward.port, forward.socketPath)
  const runner = startRunner(process.env, { log })
  const stop = (signal: NodeJS.Signals) => {
    log.info('signal received', { signal })
    void runner.stop()
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
  process.exitCode = await runner.exited
  // Sockets and timers may linger a moment after a clean stop; the runner's work is done.
  process.exit()
} catch (error) {
  if (error instanceof RunnerEnvError) {
    log.error(error.message)
    process.exit(2)
  }
  log.error('runner failed', { error })
  process.exit(1)
}
