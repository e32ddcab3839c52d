// Starts the real runner (`node packages/runner/src/main.ts`) as the sandbox provider does, in temp dirs,
// and cleans up after it (including OpenCode's process group, should the runner have left it behind).
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url))

export type RunnerProcess = {
  child: ChildProcess
  root: string
  workspace: string
  stateDir: string
  /** The runner's stderr (JSON log lines). */
  logs(): string
  exited: Promise<number | null>
  opencodePid(): Promise<number | undefined>
  /** SIGTERM, wait, then make sure nothing of it is left; removes the temp dirs. */
  cleanup(): Promise<void>
}

export type RunnerProcessOptions = {
  controlUrl: string
  token: string
  opencodeConfig: Record<string, unknown>
  env?: Record<string, string>
  /** Reuse dirs of an earlier runner (a restart keeps the conversation). */
  root?: string
}

export async function startRunnerProcess(opts: RunnerProcessOptions): Promise<RunnerProcess> {
  const root = opts.root ?? (await mkdtemp(join(tmpdir(), 'agent-ops-runner-test-')))
  const workspace = join(root, 'workspace')
  const stateDir = join(root, 'state')
  const home = join(root, 'home')
  for (const dir of [workspace, stateDir, home]) await mkdir(dir, { recursive: true })
  const child = spawn(process.execPath, [MAIN], {
    cwd: workspace,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      LANG: 'C.UTF-8',
      HOME: home,
      AGENT_OPS_SESSION_ID: 'test-session',
      AGENT_OPS_CONTROL_URL: opts.controlUrl,
      AGENT_OPS_CONTROL_TOKEN: opts.token,
      AGENT_OPS_WORKSPACE: workspace,
      AGENT_OPS_STATE_DIR: stateDir,
      AGENT_OPS_OPENCODE_CONFIG: JSON.stringify(opts.opencodeConfig),
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let logs = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    logs += chunk.toString('utf8')
  })
  child.stdout?.on('data', (chunk: Buffer) => {
    logs += chunk.toString('utf8')
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const opencodePid = async () => {
    const text = await readFile(join(stateDir, 'opencode.pid'), 'utf8').catch(() => '')
    const pid = Number.parseInt(text, 10)
    return Number.isInteger(pid) && pid > 1 ? pid : undefined
  }
  return {
    child,
    root,
    workspace,
    stateDir,
    logs: () => logs,
    exited,
    opencodePid,
    async cleanup() {
      const pid = await opencodePid()
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 8_000)
        await exited
        clearTimeout(timer)
      }
      if (pid !== undefined) {
        try {
          process.kill(-pid, 'SIGKILL')
        } catch {
          // Already gone, as it should be.
        }
      }
      if (!opts.root) await rm(root, { recursive: true, force: true })
    },
  }
}

export function testkitConfig(openaiBaseUrl: string) {
  return {
    provider: {
      testkit: {
        npm: '@ai-sdk/openai-compatible',
        name: 'Testkit',
        options: { baseURL: openaiBaseUrl, apiKey: 'testkit-session-token-0123456789' },
        models: { 'scripted-model': { name: 'Scripted model' } },
      },
    },
    model: 'testkit/scripted-model',
  }
}
