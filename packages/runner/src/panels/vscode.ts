import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { type ChildGroup, firstExit, freePort, serviceEnv, spawnGroup, waitUntil } from './child-group.ts'
import type { Launched, Launcher } from './lazy-service.ts'

/**
 * VS Code in the browser: the pinned code-server, on a loopback port, without its own auth (the gateway
 * authenticates; only the runner's panel socket reaches the port from outside the sandbox).
 */
export type VscodeRunning = Launched & { port: number }

const READY_TIMEOUT_MS = 60_000

export function codeServerEntry(): string {
  const require = createRequire(import.meta.url)
  return join(dirname(require.resolve('code-server/package.json')), 'out', 'node', 'entry.js')
}

export function vscodeLauncher(opts: { workspace: string; home: string }): Launcher<VscodeRunning> {
  return async (setStep) => {
    setStep('Starting VS Code')
    const port = await freePort()
    const data = join(opts.home, '.local', 'share', 'code-server')
    const group: ChildGroup = await spawnGroup(
      process.execPath,
      [
        codeServerEntry(),
        '--auth',
        'none',
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        '--disable-getting-started-override',
        '--bind-addr',
        `127.0.0.1:${port}`,
        '--user-data-dir',
        data,
        '--extensions-dir',
        join(data, 'extensions'),
        opts.workspace,
      ],
      { cwd: opts.workspace, env: serviceEnv({ HOME: opts.home }) },
    )
    try {
      await waitUntil(
        'code-server',
        async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok,
        group,
        READY_TIMEOUT_MS,
      )
    } catch (error) {
      await group.stop(0)
      throw error
    }
    return {
      port,
      pids: () => [group.pid],
      died: firstExit({ 'code-server': group }),
      stop: () => group.stop(),
    }
  }
}
