import { spawn } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { mkdir, rm, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { readLogTail } from '../log-tail.ts'
import type {
  ExecResult,
  RunnerLaunch,
  SandboxCapabilities,
  SandboxHandle,
  SandboxProvider,
  SandboxSpec,
  SandboxState,
} from '../provider.ts'
import { SandboxError } from '../provider.ts'
import { commandLine, isAlive, readPidFile, stopProcessGroup } from './process-control.ts'

export type LocalProviderOptions = {
  /** Where each sandbox gets its directory (`<rootDir>/<sessionId>`). */
  rootDir: string
  /** Absolute path of the runner's entry module. */
  runnerEntry: string
  /** Node binary that runs the runner; defaults to the server's own. */
  nodePath?: string
  /** How long a stopping runner gets before its process group is killed. */
  stopGraceMs?: number
  /** Panel services (VS Code, the browser) stop after this long unused; the runner's default when absent. */
  panelIdleMs?: number
}

type LocalData = { dir: string; workspaceDir: string; stateDir: string; homeDir: string }

/** Environment variables a runner may inherit from the host: nothing secret, nothing of the server's. */
const inheritedEnv = ['PATH', 'LANG', 'LC_ALL', 'TZ', 'TERM'] as const

/**
 * Runs the runner as a plain child process in a per-session directory. It does NOT isolate sessions from each
 * other or from the host; the server warns loudly while this is the provider in use.
 */
export class LocalProvider implements SandboxProvider {
  readonly name = 'local'
  readonly capabilities: SandboxCapabilities = {
    isolation: 'none',
    hibernate: true,
    exec: true,
    panels: true,
  }
  readonly #options: LocalProviderOptions & Required<Omit<LocalProviderOptions, 'panelIdleMs'>>

  constructor(options: LocalProviderOptions) {
    this.#options = { nodePath: process.execPath, stopGraceMs: 5_000, ...options }
  }

  async create(spec: SandboxSpec): Promise<SandboxHandle> {
    if (!/^[A-Za-z0-9_-]+$/.test(spec.sessionId)) throw new SandboxError('permanent', 'invalid session id')
    const dir = join(this.#options.rootDir, spec.sessionId)
    const data: LocalData = {
      dir,
      workspaceDir: join(dir, 'workspace'),
      stateDir: join(dir, 'state'),
      homeDir: join(dir, 'home'),
    }
    try {
      for (const path of [data.workspaceDir, data.stateDir, data.homeDir])
        await mkdir(path, { recursive: true, mode: 0o700 })
    } catch (cause) {
      throw new SandboxError('transient', `cannot create the sandbox directory ${dir}`, { cause })
    }
    return { provider: this.name, sandboxId: spec.sessionId, data }
  }

  async start(handle: SandboxHandle, launch: RunnerLaunch): Promise<void> {
    const data = this.#data(handle)
    if ((await this.status(handle)) === 'running') return
    const env: Record<string, string> = {}
    // Sessions share the host's loopback here: each runner gets its own ports for the agent's browser tools.
    const [cdpPort, browserMcpPort] = [await freePort(), await freePort()]
    const panels = join(data.dir, 'panels')
    await mkdir(panels, { recursive: true, mode: 0o700 })
    await rm(join(panels, 'panels.sock'), { force: true })
    for (const key of inheritedEnv) {
      const value = process.env[key]
      if (value !== undefined) env[key] = value
    }
    Object.assign(env, {
      HOME: data.homeDir,
      AGENT_OPS_SESSION_ID: handle.sandboxId,
      AGENT_OPS_CONTROL_URL: launch.controlUrl,
      AGENT_OPS_CONTROL_TOKEN: launch.controlToken,
      AGENT_OPS_WORKSPACE: data.workspaceDir,
      AGENT_OPS_STATE_DIR: data.stateDir,
      AGENT_OPS_OPENCODE_CONFIG: JSON.stringify(launch.opencodeConfig),
      AGENT_OPS_PANEL_SOCKET: this.panelSocket(handle),
      AGENT_OPS_CDP_PORT: String(cdpPort),
      AGENT_OPS_BROWSER_MCP_PORT: String(browserMcpPort),
      ...(this.#options.panelIdleMs && { AGENT_OPS_PANEL_IDLE_MS: String(this.#options.panelIdleMs) }),
    })
    const log = openSync(join(data.stateDir, 'runner.log'), 'a', 0o600)
    try {
      // detached: the runner gets its own process group and outlives a crash of the server, which re-adopts it.
      const child = spawn(this.#options.nodePath, [this.#options.runnerEntry], {
        cwd: data.workspaceDir,
        env,
        detached: true,
        stdio: ['ignore', log, log],
      })
      const pid = await new Promise<number>((resolve, reject) => {
        child.once('spawn', () => resolve(child.pid!))
        child.once('error', reject)
      })
      child.unref()
      await writeFile(join(data.dir, 'runner.pid'), String(pid))
    } catch (cause) {
      throw new SandboxError('transient', 'cannot start the runner', { cause })
    } finally {
      closeSync(log)
    }
  }

  panelSocket(handle: SandboxHandle): string {
    return join(this.#data(handle).dir, 'panels', 'panels.sock')
  }

  logTail(handle: SandboxHandle, maxBytes: number): Promise<string> {
    return readLogTail(join(this.#data(handle).stateDir, 'runner.log'), maxBytes)
  }

  async status(handle: SandboxHandle): Promise<SandboxState> {
    const data = this.#data(handle)
    const pid = await readPidFile(join(data.dir, 'runner.pid'))
    if (pid === undefined) {
      const exists = await stat(data.dir).then(
        () => true,
        () => false,
      )
      return exists ? 'stopped' : 'missing'
    }
    if (!isAlive(pid)) return 'stopped'
    const cmd = await commandLine(pid)
    return cmd?.includes(this.#options.runnerEntry) ? 'running' : 'stopped'
  }

  async hibernate(handle: SandboxHandle): Promise<void> {
    const data = this.#data(handle)
    const pidFile = join(data.dir, 'runner.pid')
    const pid = await readPidFile(pidFile)
    if (pid !== undefined && (await this.status(handle)) === 'running')
      await stopProcessGroup(pid, this.#options.stopGraceMs)
    // The runner records OpenCode's own process group; kill it too in case the runner died before it could.
    const opencodePid = await readPidFile(join(data.stateDir, 'opencode.pid'))
    if (opencodePid !== undefined) await stopProcessGroup(opencodePid, 0)
    await rm(pidFile, { force: true })
  }

  async resume(handle: SandboxHandle, launch: RunnerLaunch): Promise<void> {
    await this.start(handle, launch)
  }

  async exec(
    handle: SandboxHandle,
    command: string[],
    opts: { timeoutMs?: number } = {},
  ): Promise<ExecResult> {
    const data = this.#data(handle)
    const [file, ...args] = command
    if (!file) throw new SandboxError('permanent', 'empty command')
    return new Promise((resolve, reject) => {
      const child = spawn(file, args, {
        cwd: data.workspaceDir,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: data.homeDir },
        timeout: opts.timeoutMs ?? 60_000,
      })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (chunk) => (stdout += chunk))
      child.stderr.on('data', (chunk) => (stderr += chunk))
      child.once('error', reject)
      child.once('close', (code) => resolve({ exitCode: code ?? -1, stdout, stderr }))
    })
  }

  async destroy(handle: SandboxHandle): Promise<void> {
    await this.hibernate(handle)
    await rm(this.#data(handle).dir, { recursive: true, force: true })
  }

  #data(handle: SandboxHandle): LocalData {
    const data = handle.data as Partial<LocalData>
    if (!data.dir || !data.workspaceDir || !data.stateDir || !data.homeDir) {
      throw new SandboxError('permanent', `sandbox ${handle.sandboxId} has no local directory recorded`)
    }
    return data as LocalData
  }
}

/** A loopback port free right now; the runner binds it a moment later (a race another process rarely wins). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()))
    })
  })
}
