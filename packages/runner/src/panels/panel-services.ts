import type { PanelServiceName, PanelServices as PanelServicesInfo } from '@agent-ops/protocol'
import { type BrowserRunning, browserLauncher } from './browser.ts'
import { LazyService } from './lazy-service.ts'
import { readProcessTable, treeRssBytes } from './process-tree.ts'
import { Terminals } from './terminals.ts'
import { type VscodeRunning, vscodeLauncher } from './vscode.ts'

/**
 * The sandbox's three lazy services, their memory, and the idle sweep: VS Code and the browser stop after
 * `idleMs` without a connection or a request (they are the heavy ones); terminals live as long as their shells.
 */
export type PanelServicesOptions = {
  workspace: string
  home: string
  idleMs: number
  /** OpenCode's pid (its process tree is the agent's memory), while it runs. */
  agentPid: () => number | undefined
}

export class PanelServices {
  readonly terminals: Terminals
  readonly terminal: LazyService
  readonly vscode: LazyService<VscodeRunning>
  readonly browser: LazyService<BrowserRunning>
  readonly #opts: PanelServicesOptions
  readonly #sweep: NodeJS.Timeout

  constructor(opts: PanelServicesOptions) {
    this.#opts = opts
    const dirs = { workspace: opts.workspace, home: opts.home }
    this.terminals = new Terminals(dirs)
    this.terminal = new LazyService('terminal', this.terminals.launcher())
    this.vscode = new LazyService('vscode', vscodeLauncher(dirs))
    this.browser = new LazyService('browser', browserLauncher(dirs))
    // A fraction of the idle time, capped: a service stops at most a minute after it became idle.
    const every = Math.max(1_000, Math.min(60_000, Math.floor(opts.idleMs / 4)))
    this.#sweep = setInterval(() => this.stopIdle(Date.now()), every)
    this.#sweep.unref()
  }

  get(name: PanelServiceName): LazyService {
    return this[name] as LazyService
  }

  stopIdle(now: number) {
    for (const service of [this.vscode, this.browser])
      if (service.idle(now, this.#opts.idleMs)) void service.stop()
  }

  async describe(): Promise<PanelServicesInfo> {
    const table = await readProcessTable()
    const services = [this.terminal, this.vscode, this.browser].map((service) =>
      service.describe(treeRssBytes(table, service.pids())),
    )
    // The runner alone: its services' trees (children of the runner) are counted above, not here.
    const serviceBytes = services.reduce((sum, service) => sum + service.rssBytes, 0)
    const agentRssBytes = treeRssBytes(table, [this.#opts.agentPid()])
    const runnerTree = treeRssBytes(table, [process.pid])
    const runnerRssBytes = Math.max(0, runnerTree - agentRssBytes - serviceBytes)
    return { services, agentRssBytes, runnerRssBytes }
  }

  async stopAll() {
    clearInterval(this.#sweep)
    await Promise.all([this.terminal.stop(), this.vscode.stop(), this.browser.stop()])
  }
}
