// Entry point, started by the sandbox provider in the workspace: `node packages/runner/src/main.ts`.
// Only light modules are imported statically: OpenCode is started first (early-start.ts), and the rest of the
// runner loads while it starts.
import { startOpencodeEarly } from './early-start.ts'
import { parseLlmForward, startLlmForward } from './llm-forward.ts'
import { createLogger } from './log.ts'

const log = createLogger()
const prestart = new AbortController()
// Until the runner handles them (from before OpenCode starts): a stop asked for while the runner's modules load
// stops OpenCode too. Without a handler, the signal would end this process at once and leave OpenCode (its own
// process group) running.
const stopBeforeStart = (signal: NodeJS.Signals) => {
  log.info('signal received before the runner started', { signal })
  void abandonPrestart().then(() => process.exit(signal === 'SIGINT' ? 130 : 143))
}
process.once('SIGTERM', stopBeforeStart)
process.once('SIGINT', stopBeforeStart)
const prestarted = startOpencodeEarly(process.env, log, prestart.signal)
/** Stops an OpenCode started early that no supervisor adopted (it runs in its own process group). */
const abandonPrestart = async () => {
  prestart.abort()
  await prestarted?.then((proc) => proc.stop(0)).catch(() => {})
}
try {
  const forward = parseLlmForward(process.env.AGENT_OPS_LLM_FORWARD)
  if (forward) await startLlmForward(forward.port, forward.socketPath)
  const { startRunner } = await import('./runner.ts')
  const runner = startRunner(process.env, { log, prestarted, abortPrestart: () => prestart.abort() })
  const stop = (signal: NodeJS.Signals) => {
    log.info('signal received', { signal })
    void runner.stop()
  }
  process.off('SIGTERM', stopBeforeStart)
  process.off('SIGINT', stopBeforeStart)
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
  process.exitCode = await runner.exited
  // Sockets and timers may linger a moment after a clean stop; the runner's work is done.
  process.exit()
} catch (error) {
  await abandonPrestart()
  if ((error as Error).name === 'RunnerEnvError') {
    log.error((error as Error).message)
    process.exit(2)
  }
  log.error('runner failed', { error })
  process.exit(1)
}
