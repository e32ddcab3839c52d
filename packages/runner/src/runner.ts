import { randomBytes } from 'node:crypto'
import type { AgentEvent, RunnerSessionConfig } from '@agent-ops/protocol'
import { AgentSupervisor } from './agent-supervisor.ts'
import type { PolicyRequest } from './bridge-state.ts'
import { waitForClaim } from './claim.ts'
import { ControlLink, type PromptMessage } from './control-link.ts'
import { DeltaCoalescer } from './delta-coalescer.ts'
import { parseRunnerEnv } from './env.ts'
import { createLogger, type Logger } from './log.ts'
import { configSecrets } from './opencode-config.ts'
import type { OpencodeProcess } from './opencode-process.ts'

/**
 * The runner: wires the control link (server side) to the agent supervisor (OpenCode side). Both start at
 * once; start-up latency is benchmarked.
 */
export type RunnerHandle = {
  runnerId: string
  /** OpenCode's pid (= its process group id) while it runs. */
  readonly opencodePid: number | undefined
  /** Stops OpenCode and closes the link; `exited` then resolves with 0. */
  stop(): Promise<void>
  /** Resolves with the exit code the runner wants: 0 stopped, 1 orphaned or OpenCode unrecoverable. */
  exited: Promise<number>
}

export type StartRunnerOptions = {
  log?: Logger
  /** OpenCode already starting (see early-start.ts); the supervisor adopts it. */
  prestarted?: Promise<OpencodeProcess>
  abortPrestart?: () => void
}

/** Final events get this long to reach the server before the runner exits. */
const EXIT_DRAIN_MS = 2_000

/** Throws RunnerEnvError when the environment is incomplete. */
export function startRunner(rawEnv: NodeJS.ProcessEnv, opts: StartRunnerOptions = {}): RunnerHandle {
  const env = parseRunnerEnv(rawEnv)
  const log = opts.log ?? createLogger()
  for (const secret of [env.controlToken, ...configSecrets(env.opencodeConfig)]) log.addSecret(secret)
  const runnerId = randomBytes(12).toString('base64url')
  log.info('runner starting', { runnerId, sessionId: env.sessionId, workspace: env.workspace })

  let resolveExit!: (code: number) => void
  const exited = new Promise<number>((resolve) => {
    resolveExit = resolve
  })
  let sessionConfig: RunnerSessionConfig | undefined
  let resolveWelcome!: (config: RunnerSessionConfig) => void
  const welcomed = new Promise<RunnerSessionConfig>((resolve) => {
    resolveWelcome = resolve
  })

  const link = new ControlLink({
    url: env.controlUrl,
    token: env.controlToken,
    runnerId,
    agentVersion: () => supervisor.version,
    orphanTimeoutMs: env.orphanTimeoutMs,
    log,
    onWelcome: (config) => {
      sessionConfig = config
      resolveWelcome(config)
    },
    onPrompt: (prompt) => void handlePrompt(prompt),
    onAbort: () => {
      supervisor.abort().catch((error) => log.warn('abort failed', { error }))
    },
    onOrphaned: () => void shutdown(1, false),
  })
  const coalescer = new DeltaCoalescer((event) => link.send(event))
  const emit = (event: AgentEvent) => coalescer.push(event)

  const supervisor = new AgentSupervisor({
    env,
    log,
    prestarted: opts.prestarted,
    abortPrestart: opts.abortPrestart,
    onOutput: (output) => {
      for (const event of output.events) emit(event)
      for (const request of output.requests) void answer(request)
    },
    onUnrecoverable: () => void shutdown(1, true),
  })

  async function handlePrompt(prompt: PromptMessage) {
    const model = prompt.model ?? sessionConfig?.model ?? (await welcomed).model
    try {
      await supervisor.prompt(prompt.text, model)
    } catch (error) {
      log.error('prompt failed', { messageId: prompt.messageId, error })
      const message = (error as Error).message
      emit({ type: 'agent.error', data: { kind: 'prompt_failed', message, messageId: prompt.messageId } })
      // The turn never started: say so, or the server would wait for it to end.
      emit({ type: 'agent.status', data: { status: 'idle' } })
    }
  }

  /** Answers an ask by the session's policy; nothing the agent asks may hang. */
  async function answer(request: PolicyRequest) {
    try {
      if (request.kind === 'question') {
        await supervisor.rejectQuestion(request.requestId)
        const { requestId, questions } = request
        emit({ type: 'question.answered', data: { requestId, questions, reply: 'rejected', by: 'policy' } })
        return
      }
      const policy = (sessionConfig ?? (await welcomed)).permissionPolicy
      const reply = policy === 'allow' ? 'once' : 'reject'
      await supervisor.replyPermission(request.requestId, reply)
      const { requestId, permission, patterns } = request
      emit({ type: 'permission.answered', data: { requestId, permission, patterns, reply, by: 'policy' } })
      log.info('permission answered', { requestId, permission, reply })
    } catch (error) {
      log.warn('cannot answer an OpenCode request', {
        kind: request.kind,
        requestId: request.requestId,
        error,
      })
    }
  }

  // The panel server loads after OpenCode started (it is not on the boot path) and starts nothing heavy:
  // each service starts when a panel or the agent first needs it.
  const panels = env.panelSocket
    ? import('./panels/panel-server.ts')
        .then(({ startPanelServer }) =>
          startPanelServer({
            socketPath: env.panelSocket as string,
            workspace: env.workspace,
            home: rawEnv.HOME || env.workspace,
            idleMs: env.panelIdleMs,
            agentBrowser: { cdpPort: env.cdpPort, mcpPort: env.browserMcpPort, stateDir: env.stateDir },
            agentPid: () => supervisor.opencodePid,
            log,
          }),
        )
        .catch((error) => {
          log.error('the panel server cannot start', { error })
          return undefined
        })
    : undefined

  let stopping: Promise<void> | undefined
  function shutdown(code: number, drain: boolean): Promise<void> {
    stopping ??= (async () => {
      log.info('runner stopping', { code })
      coalescer.close()
      const panelsStopped = panels?.then((server) => server?.close())
      await supervisor.stop().catch((error) => log.error('stopping OpenCode failed', { error }))
      if (drain && link.connected) await link.drain(EXIT_DRAIN_MS)
      await link.close()
      await panelsStopped?.catch((error) => log.error('stopping the panels failed', { error }))
      resolveExit(code)
    })()
    return stopping
  }

  // A warm runner (see claim.ts) brings OpenCode up now and connects once a session claims its sandbox.
  if (env.claimFile) void waitForClaim(env.claimFile).then(() => link.start())
  else link.start()
  supervisor.start().catch((error) => {
    log.error('agent supervisor failed', { error })
    void shutdown(1, true)
  })

  return {
    runnerId,
    get opencodePid() {
      return supervisor.opencodePid
    },
    stop: () => shutdown(0, true),
    exited,
  }
}
