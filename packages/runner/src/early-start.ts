import { join } from 'node:path'
import type { Logger } from './log.ts'
import {
  agentBrowserPorts,
  buildOpencodeConfig,
  buildOpencodeEnv,
  configSecrets,
  makeXdgDirs,
  resolveOpencodeBinary,
  xdgDirs,
} from './opencode-config.ts'
import { OpencodeProcess, signalGroup } from './opencode-process.ts'

/**
 * Starts OpenCode before the rest of the runner is even loaded. OpenCode's own start-up is the longest step of a
 * session's boot, and loading the runner's modules (zod, the OpenCode SDK, the WebSocket client: ~0.4 s of a
 * cold Node) does not depend on it: the entry point calls this first, with only Node built-ins and these light
 * modules imported, then loads the rest while OpenCode starts. The agent supervisor adopts the process.
 *
 * In a sandbox OpenCode is started sooner still, by the launcher that runs before this process
 * (launch-opencode.sh): then this adopts that one instead.
 *
 * Reads the raw environment: when something is missing or malformed it starts nothing and returns undefined,
 * and the runner's own validation (env.ts) reports the problem as usual.
 */
export function startOpencodeEarly(
  env: NodeJS.ProcessEnv,
  log: Logger,
  signal: AbortSignal,
): Promise<OpencodeProcess> | undefined {
  const launched = takeLaunched(env)
  const stateDir = env.AGENT_OPS_STATE_DIR
  const workspace = env.AGENT_OPS_WORKSPACE
  let server: unknown
  try {
    server = JSON.parse(env.AGENT_OPS_OPENCODE_CONFIG ?? '')
  } catch {
    server = undefined
  }
  if (
    !stateDir?.startsWith('/') ||
    !workspace?.startsWith('/') ||
    server === null ||
    typeof server !== 'object' ||
    Array.isArray(server)
  ) {
    // The launcher checks less than this; what it started for an environment the runner rejects must not stay.
    if (launched) signalGroup(launched.pid, 'SIGKILL')
    return undefined
  }
  // Before OpenCode can print anything: its output is logged, and must never show a token.
  for (const secret of configSecrets(server)) log.addSecret(secret)
  if (env.AGENT_OPS_CONTROL_TOKEN) log.addSecret(env.AGENT_OPS_CONTROL_TOKEN)
  const pidFile = join(stateDir, 'opencode.pid')
  if (launched) {
    log.info('adopting the OpenCode the launcher started', { pid: launched.pid, workspace })
    const adopted = OpencodeProcess.adopt({ ...launched, cwd: workspace, pidFile, log, signal })
    adopted.catch(() => {}) // the supervisor awaits it and handles a failure as a crash
    return adopted
  }
  const config = buildOpencodeConfig(
    server as Parameters<typeof buildOpencodeConfig>[0],
    agentBrowserPorts(env),
  )
  const xdg = xdgDirs(stateDir)
  log.info('OpenCode starting early', { workspace })
  // Synchronously up to the spawn: the entry point goes on to load the runner's modules, which holds the event
  // loop for ~0.2 s; an await before the spawn would put OpenCode's start behind that instead of beside it.
  let started: Promise<OpencodeProcess>
  try {
    makeXdgDirs(xdg)
    started = OpencodeProcess.start({
      binary: env.AGENT_OPS_OPENCODE_BIN || resolveOpencodeBinary(),
      cwd: workspace,
      env: (password) => buildOpencodeEnv({ inherited: process.env, xdg, password, config }),
      pidFile,
      log,
      signal,
    })
  } catch (error) {
    started = Promise.reject(error)
  }
  started.catch(() => {}) // the supervisor awaits it and handles a failure as a crash
  return started
}

/**
 * What the launcher passed about the OpenCode it started, removed from the environment: the password must not reach
 * the processes the runner starts (panels, a restarted OpenCode).
 */
function takeLaunched(env: NodeJS.ProcessEnv) {
  const pid = Number(env.AGENT_OPS_OPENCODE_PID)
  const password = env.AGENT_OPS_OPENCODE_PASSWORD
  const outputFile = env.AGENT_OPS_OPENCODE_OUTPUT
  delete env.AGENT_OPS_OPENCODE_PID
  delete env.AGENT_OPS_OPENCODE_PASSWORD
  delete env.AGENT_OPS_OPENCODE_OUTPUT
  if (!Number.isInteger(pid) || pid <= 1 || !password || !outputFile?.startsWith('/')) return undefined
  return { pid, password, outputFile }
}
