import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  BubblewrapProvider,
  checkIsolation,
  describeMissing,
  detectCgroups,
  LocalProvider,
  type SandboxProvider,
} from '@agent-ops/sandbox'
import type { Config } from '../config.ts'
import type { Logger } from '../logger.ts'

export type SandboxSetup = {
  provider: SandboxProvider
  /** Why sessions are refused: isolation is unavailable and was not explicitly waived. */
  isolationProblem?: string
}

const runnerEntry = () => fileURLToPath(import.meta.resolve('@agent-ops/runner/main'))
const runnerLauncher = () => fileURLToPath(import.meta.resolve('@agent-ops/runner/launcher'))

/**
 * Picks the sandbox provider: bubblewrap when this machine can isolate sessions; otherwise the server runs but
 * refuses sessions, saying what is missing, unless started with --unsafe-no-isolation (loudly logged).
 */
export async function setUpSandboxes(config: Config, logger: Logger): Promise<SandboxSetup> {
  if (config.unsafeNoIsolation) {
    const banner =
      'UNSAFE: --unsafe-no-isolation is set. Sessions run as plain processes of this user with full access ' +
      'to this machine, its network and every other session. Never use this with untrusted work or other people.'
    logger.warn({ unsafeNoIsolation: true }, banner)
    process.stderr.write(`\n  !!! ${banner}\n\n`)
    return {
      provider: new LocalProvider({
        rootDir: join(config.dataDir, 'sandboxes'),
        runnerEntry: runnerEntry(),
        panelIdleMs: config.panelIdleMs,
      }),
    }
  }
  const report = await checkIsolation({ probeUid: config.sandboxUidFirst, network: config.sandboxNetwork })
  const cgroups = detectCgroups()
  if (!report.ok || !('layout' in cgroups)) {
    const missing = describeMissing(report)
    const problem =
      `sessions are refused: sandbox isolation is not available on this machine:\n${missing}\n` +
      'Fix the above, or start the server with --unsafe-no-isolation (AGENT_OPS_UNSAFE_NO_ISOLATION=1) ' +
      'for development only.'
    logger.error({ checks: report.checks.filter((c) => !c.ok) }, problem)
    // A provider is still needed to clean up after sessions of an earlier run.
    return {
      provider: new LocalProvider({ rootDir: join(config.dataDir, 'sandboxes'), runnerEntry: runnerEntry() }),
      isolationProblem: problem,
    }
  }
  const entry = runnerEntry()
  const provider = new BubblewrapProvider({
    rootDir: config.sandboxDir,
    runnerEntry: entry,
    runnerLauncher: runnerLauncher(),
    // <appRoot>/packages/runner/src/main.ts
    appRoot: dirname(dirname(dirname(dirname(entry)))),
    uidRange: { first: config.sandboxUidFirst, count: config.sandboxUidCount },
    uidPoolDir: config.sandboxUidPoolDir,
    cgroups: cgroups.layout,
    limits: {
      memoryBytes: config.sandboxMemoryBytes,
      swapBytes: config.sandboxSwapBytes,
      cpuMillicores: config.sandboxCpuMillicores,
      pidsMax: config.sandboxPidsMax,
      diskBytes: config.sandboxDiskBytes,
    },
    network: config.sandboxNetwork,
    allowedHosts: config.sandboxAllowedHosts,
    panelIdleMs: config.panelIdleMs,
  })
  if (config.sandboxNetwork === 'allow-list' && config.sandboxAllowedHosts.length === 0)
    logger.warn(
      'AGENT_OPS_SANDBOX_NETWORK=allow-list with no AGENT_OPS_SANDBOX_ALLOWED_HOSTS: sandboxes reach no host',
    )
  logger.info(
    {
      cgroups: `v${cgroups.layout.version}`,
      network: config.sandboxNetwork,
      ...(config.sandboxNetwork === 'allow-list' && { allowedHosts: config.sandboxAllowedHosts }),
      sandboxDir: config.sandboxDir,
    },
    'sessions run in bubblewrap sandboxes',
  )
  return { provider }
}
