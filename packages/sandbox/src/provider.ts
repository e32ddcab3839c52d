/**
 * The SandboxProvider interface: where a session's runner (and later its dev services) run.
 * Optional operations are gated by declared capabilities (STYLE.md habit 6).
 */

export type SandboxCapabilities = {
  /** How strongly sessions are isolated from each other and from the host. */
  isolation: 'none' | 'bubblewrap' | 'container'
  /** hibernate()/resume() keep the workspace and the agent's data while no process runs. */
  hibernate: boolean
  /** exec() runs a command inside the sandbox. */
  exec: boolean
  /** panelEndpoint() reaches VS Code / browser / terminal services. */
  panels: boolean
}

/** What the provider persists about a sandbox, stored with the session so a restarted server can find it. */
export type SandboxHandle = {
  provider: string
  sandboxId: string
  /** Provider-specific, JSON-serialisable. */
  data: Record<string, unknown>
}

export type SandboxSpec = {
  sessionId: string
}

/** Everything the runner needs, handed over at start (and again on resume). */
export type RunnerLaunch = {
  /** How the runner reaches the server's runner hub (ARCHITECTURE: the control channel). */
  controlUrl: string
  controlToken: string
  /** OpenCode provider configuration computed by the server (points at the LLM proxy). */
  opencodeConfig: Record<string, unknown>
}

export type SandboxState = 'running' | 'stopped' | 'missing'

export type ExecResult = { exitCode: number; stdout: string; stderr: string }

export interface SandboxProvider {
  readonly name: string
  readonly capabilities: SandboxCapabilities
  /** Allocates the sandbox (workspace, home) without starting anything. */
  create(spec: SandboxSpec): Promise<SandboxHandle>
  /** Starts the runner inside the sandbox. */
  start(handle: SandboxHandle, launch: RunnerLaunch): Promise<void>
  status(handle: SandboxHandle): Promise<SandboxState>
  /** Stops every process, keeps the workspace and the agent's data. */
  hibernate?(handle: SandboxHandle): Promise<void>
  resume?(handle: SandboxHandle, launch: RunnerLaunch): Promise<void>
  exec?(handle: SandboxHandle, command: string[], opts?: { timeoutMs?: number }): Promise<ExecResult>
  /** Stops everything and removes every trace of the sandbox. Idempotent. */
  destroy(handle: SandboxHandle): Promise<void>
}

/**
 * Provider failures say whether retrying can help: `transient` (retry) or `permanent` (fail the session).
 */
export class SandboxError extends Error {
  readonly kind: 'transient' | 'permanent'
  constructor(kind: 'transient' | 'permanent', message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'SandboxError'
    this.kind = kind
  }
}
