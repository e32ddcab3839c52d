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
  /** Warm pool: start the agent now, connect to the server only after claim(). */
  waitForClaim?: boolean
}

export type SandboxState = 'running' | 'stopped' | 'missing'

export type ExecResult = { exitCode: number; stdout: string; stderr: string }

/**
 * A sandbox whose runner reaches the server over a Unix socket of its own: the server listens on `socketPath`
 * for this sandbox only, so a connection on it can only ever belong to this session.
 */
export type ControlChannel = {
  /** Host path of the socket the server listens on. */
  socketPath: string
  /** The runner's control URL, as seen from inside the sandbox. */
  controlUrl: string
  /** The server's base URL as seen from inside (the LLM proxy), forwarded to the socket by the runner. */
  serverUrl: string
}

/** Resource use and limit events (counters since the sandbox was created). */
export type SandboxUsage = {
  memoryBytes: number
  oomKills: number
  pidsLimitHits: number
  diskUsedBytes: number
  diskBytes: number
}

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
  /**
   * Host path of the Unix socket the runner serves its panels on (terminal, VS Code, browser, forwarded ports):
   * the gateway's only way in. Present when `capabilities.panels`.
   */
  panelSocket?(handle: SandboxHandle): string
  /** Set when the runner must use a per-sandbox Unix socket instead of the server's TCP address. */
  controlChannel?(handle: SandboxHandle): ControlChannel
  usage?(handle: SandboxHandle): Promise<SandboxUsage>
  /** The end of the sandbox's own log (the runner's and OpenCode's output), to explain a failed start. */
  logTail?(handle: SandboxHandle, maxBytes: number): Promise<string>
  /** Warm pool: lets a runner started with `waitForClaim` connect (its session now exists). */
  claim?(handle: SandboxHandle): Promise<void>
  /** Whether the agent inside is up (the runner recorded its agent session). */
  agentReady?(handle: SandboxHandle): Promise<boolean>
  /** Removes this provider's sandboxes that `keep` does not name (leftovers of a crash); returns their ids. */
  sweep?(keep: ReadonlySet<string>): Promise<string[]>
  /** Lets background work (such as preparing resources ahead of time) finish; sandboxes keep running. */
  close?(): Promise<void>
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
