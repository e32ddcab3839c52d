import { createHash } from 'node:crypto'
import { access, chmod, chown, copyFile, link, mkdir, readdir, rm, statfs, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { readLogTail } from '../log-tail.ts'
import type {
  ControlChannel,
  ExecResult,
  RunnerLaunch,
  SandboxCapabilities,
  SandboxHandle,
  SandboxProvider,
  SandboxSpec,
  SandboxState,
  SandboxUsage,
} from '../provider.ts'
import { SandboxError } from '../provider.ts'
import { primeCgroupMigration } from './cgroup-migration.ts'
import { type CgroupLayout, type CgroupLimits, listCgroups, SandboxCgroup } from './cgroups.ts'
import { RunnerCompileCache } from './compile-cache.ts'
import { processesOfUid } from './process-tools.ts'
import {
  inside,
  type NetworkMode,
  type SandboxPaths,
  sandboxEtcFiles,
  sandboxPaths,
  supervisorSpec,
} from './sandbox-spec.ts'
import { SpareVolumes } from './spare-volumes.ts'
import {
  execInSandbox,
  startSupervisor,
  stopSandbox,
  supervisorRunning,
  supervisorZygote,
} from './supervisor.ts'
import { UidPool, type UidRange } from './uid-pool.ts'
import { formatVolume, mountsUnder, mountVolume, removeVolume } from './volume.ts'

export type BubblewrapProviderOptions = {
  /** Where each sandbox gets its directory (`<rootDir>/<sandboxId>`); root-only. */
  rootDir: string
  /** Absolute host path of the runner's entry module, inside `appRoot`. */
  runnerEntry: string
  /**
   * Absolute host path of a script inside `appRoot` that the sandbox runs first, as `sh LAUNCHER NODE ENTRY`, and
   * that ends by running the runner (the runner package's launch-opencode.sh: it starts OpenCode before the runner's
   * Node has booted). Without it the sandbox runs the runner directly.
   */
  runnerLauncher?: string
  /** Host directory holding node_modules and packages/{runner,protocol}; bound read-only. */
  appRoot: string
  /** Node binary for the runner; its installation directory is bound read-only. */
  nodePath?: string
  /** Host uids handed to sandboxes, one each. */
  uidRange: UidRange
  /** Machine-wide directory recording uid allocations (shared by every server on the machine). */
  uidPoolDir: string
  cgroups: CgroupLayout
  limits: CgroupLimits & { diskBytes: number }
  network: NetworkMode
  /** With `network: 'allow-list'`: the hosts sandboxes may reach (`example.com`, `*.example.com`, an IP). */
  allowedHosts?: readonly string[]
  /** Panel services (VS Code, the browser) stop after this long unused; the runner's default when absent. */
  panelIdleMs?: number
  stopGraceMs?: number
}

type BwrapData = { dir: string; uid: number; workspaceDir: string; homeDir: string; stateDir: string }

/** Port of the runner's in-sandbox forwarder to the control socket (the sandbox has its own loopback). */
const forwardPort = 4180
/** Created in the control directory when a warm sandbox is claimed. */
const claimFile = 'claimed'
/** A spare volume taken by a new sandbox is replaced this long after, once that sandbox's start is done with. */
const SPARE_REFILL_DELAY_MS = 5_000

/**
 * Sandboxes isolated with bubblewrap, each under its own unprivileged host uid, in its own cgroup, on its own
 * size-limited volume, with its own network namespace; docs/sandbox.md describes the model.
 */
export class BubblewrapProvider implements SandboxProvider {
  readonly name = 'bubblewrap'
  readonly capabilities: SandboxCapabilities = {
    isolation: 'bubblewrap',
    hibernate: true,
    exec: true,
    panels: true,
  }
  readonly #o: BubblewrapProviderOptions &
    Required<Omit<BubblewrapProviderOptions, 'panelIdleMs' | 'runnerLauncher'>>
  readonly #uids: UidPool
  readonly #spares: SpareVolumes
  readonly #zygote = supervisorZygote()
  readonly #compileCache: RunnerCompileCache
  readonly #cgroupParent: string
  #toolchainReady: Promise<string> | undefined
  /** Sandbox directories create() prepared and no start has used yet. */
  readonly #justPrepared = new Set<string>()
  /** Work started at server start (spare volumes, the compile cache), for close() to wait on. */
  #background: Promise<unknown> | undefined

  constructor(options: BubblewrapProviderOptions) {
    this.#o = { nodePath: process.execPath, stopGraceMs: 5_000, allowedHosts: [], ...options }
    // A uid some process already runs as (another record's sandbox, a system user) is never handed out.
    this.#uids = new UidPool(
      options.uidPoolDir,
      options.uidRange,
      async (uid) => (await processesOfUid(uid)).length > 0,
    )
    this.#spares = new SpareVolumes(join(options.rootDir, '.spare-volumes'), options.limits.diskBytes)
    this.#compileCache = new RunnerCompileCache(join(options.rootDir, '.node-compile-cache'), {
      nodeDir: join(options.rootDir, '.node'),
      appRoot: options.appRoot,
    })
    // One cgroup subtree per root directory, so two servers on a machine never sweep each other's sandboxes.
    const tag = createHash('sha256').update(options.rootDir).digest('hex').slice(0, 12)
    this.#cgroupParent = `agent-ops/${tag}`
  }

  async create(spec: SandboxSpec): Promise<SandboxHandle> {
    if (!/^[A-Za-z0-9_-]+$/.test(spec.sessionId)) throw new SandboxError('permanent', 'invalid session id')
    const paths = sandboxPaths(join(this.#o.rootDir, spec.sessionId))
    let made = false
    try {
      await this.#toolchain()
      const image = join(paths.dir, 'volume.img')
      // The uid (a scan of /proc) and the volume do not depend on each other: side by side. Both settle before
      // anything is cleaned up after a failure, so no mount can land in a removed directory.
      const [allocated, mounted] = await Promise.allSettled([
        this.#uids.allocate(paths.dir),
        (async () => {
          // A spare is a whole sandbox directory with its volume formatted and mounted: renamed into place.
          if (await this.#spares.take(paths.dir)) made = true
          else {
            await mkdir(paths.dir, { mode: 0o711 })
            made = true
            await formatVolume(image, this.#o.limits.diskBytes)
          }
          this.#spares.refillLater(SPARE_REFILL_DELAY_MS)
          await mountVolume(image, paths.volume)
        })(),
      ])
      if (allocated.status === 'rejected') throw allocated.reason
      if (mounted.status === 'rejected') throw mounted.reason
      const uid = allocated.value
      await this.#prepare(paths, uid)
      this.#justPrepared.add(paths.dir)
      const data: BwrapData = {
        dir: paths.dir,
        uid,
        workspaceDir: paths.workspace,
        homeDir: paths.home,
        stateDir: paths.state,
      }
      return { provider: this.name, sandboxId: spec.sessionId, data }
    } catch (cause) {
      // A leftover of an interrupted create is cleared too (the retry then starts clean); a refused uid after the
      // volume was mounted leaves nothing either.
      if (made || !(cause instanceof SandboxError)) await this.#destroyDir(paths.dir).catch(() => {})
      if (cause instanceof SandboxError) throw cause
      throw new SandboxError('transient', `cannot create the sandbox: ${(cause as Error).message}`, { cause })
    }
  }

  /** Volume mounted, directories owned by the session uid, /etc files, cgroup: everything a start needs. */
  async #prepare(paths: SandboxPaths, uid: number) {
    await mountVolume(join(paths.dir, 'volume.img'), paths.volume)
    // bubblewrap resolves bind sources as the session uid: its own directories are its alone, the rest
    // of the way is traverse-only (0711) for it.
    for (const dir of [paths.volume, paths.workspace, paths.home, paths.state, paths.panels]) {
      await mkdir(dir, { recursive: true, mode: 0o700 })
      await chown(dir, uid, uid)
      await chmod(dir, 0o700)
    }
    // A socket a killed runner left behind: the gateway must not reach for it before the new runner listens.
    await rm(paths.panelSocket, { force: true })
    await mkdir(paths.control, { recursive: true, mode: 0o750 })
    await chown(paths.control, 0, uid)
    await mkdir(paths.etc, { recursive: true, mode: 0o755 })
    for (const [name, text] of Object.entries(sandboxEtcFiles(this.#o.network)))
      await writeFile(join(paths.etc, name), text, { mode: 0o644 })
    await this.#cgroup(paths.dir).create(this.#o.limits)
  }

  /**
   * The root directory, traversable but not listable by sandbox uids, and the Node binary the runner uses,
   * linked (or copied) out of a home directory that sandbox uids cannot traverse.
   */
  #toolchain(): Promise<string> {
    this.#toolchainReady ??= (async () => {
      await mkdir(this.#o.rootDir, { recursive: true })
      await chmod(this.#o.rootDir, 0o711)
      const dir = join(this.#o.rootDir, '.node')
      const target = join(dir, 'bin', 'node')
      await mkdir(join(dir, 'bin'), { recursive: true, mode: 0o755 })
      await rm(target, { force: true })
      await link(this.#o.nodePath, target).catch(() => copyFile(this.#o.nodePath, target))
      await chmod(target, 0o755)
      return dir
    })()
    return this.#toolchainReady
  }

  async start(handle: SandboxHandle, launch: RunnerLaunch): Promise<void> {
    const data = this.#data(handle)
    // Its cgroup join, ~25 ms from here, then finds the kernel's migration lock ready (cgroup-migration.ts).
    void primeCgroupMigration(this.#o.cgroups)
    if ((await this.status(handle)) === 'running') return
    const nodeDir = await this.#toolchain()
    const paths = sandboxPaths(data.dir)
    // A resume prepares again (the volume may have been unmounted, the cgroup removed); a first start need not.
    if (!this.#justPrepared.delete(data.dir)) await this.#prepare(paths, data.uid)
    const cgroup = this.#cgroup(data.dir)
    const compileCache = await this.#compileCache.ready()
    const spec = supervisorSpec({
      paths,
      uid: data.uid,
      cgroupProcs: cgroup.procsFiles,
      network: this.#o.network,
      allowedHosts: this.#o.allowedHosts,
      nodeDir,
      appRoot: this.#o.appRoot,
      runnerEntry: this.#o.runnerEntry,
      runnerLauncher: this.#o.runnerLauncher,
      compileCache,
    })
    await writeFile(paths.spec, JSON.stringify(spec), { mode: 0o600 })
    const env: Record<string, string> = {
      PATH: `${inside.node}/bin:/usr/local/bin:/usr/bin:/bin`,
      LANG: 'C.UTF-8',
      HOME: inside.home,
      AGENT_OPS_SESSION_ID: handle.sandboxId,
      AGENT_OPS_CONTROL_URL: launch.controlUrl,
      AGENT_OPS_CONTROL_TOKEN: launch.controlToken,
      AGENT_OPS_WORKSPACE: inside.workspace,
      AGENT_OPS_STATE_DIR: inside.state,
      AGENT_OPS_OPENCODE_CONFIG: JSON.stringify(launch.opencodeConfig),
      AGENT_OPS_LLM_FORWARD: `${forwardPort}:${inside.controlSocket}`,
      AGENT_OPS_PANEL_SOCKET: inside.panelSocket,
      ...(this.#o.panelIdleMs && { AGENT_OPS_PANEL_IDLE_MS: String(this.#o.panelIdleMs) }),
      // Node's cache of the runner's compiled (and type-stripped) modules: the shared read-only one the server
      // made (compile-cache.ts), else one on the session's volume, for its resumes. A runner with a cache starts
      // OpenCode ~0.2 s sooner and loads the rest ~2x faster. Not passed on to OpenCode.
      NODE_COMPILE_CACHE: compileCache ? inside.compileCache : `${inside.state}/node-compile-cache`,
      ...spec.proxyEnv,
    }
    if (launch.waitForClaim) env.AGENT_OPS_CLAIM_FILE = `${inside.control}/${claimFile}`
    try {
      await startSupervisor(paths, env, this.#zygote)
    } catch (error) {
      await this.#stopProcesses(data)
      throw error
    }
  }

  async status(handle: SandboxHandle): Promise<SandboxState> {
    const data = this.#data(handle)
    if (await supervisorRunning(sandboxPaths(data.dir))) return 'running'
    return (await readdir(data.dir).catch(() => undefined)) ? 'stopped' : 'missing'
  }

  async hibernate(handle: SandboxHandle): Promise<void> {
    await this.#stopProcesses(this.#data(handle))
  }

  async resume(handle: SandboxHandle, launch: RunnerLaunch): Promise<void> {
    await this.start(handle, launch)
  }

  async exec(
    handle: SandboxHandle,
    command: string[],
    opts: { timeoutMs?: number } = {},
  ): Promise<ExecResult> {
    if (command.length === 0) throw new SandboxError('permanent', 'empty command')
    if ((await this.status(handle)) !== 'running')
      throw new SandboxError('permanent', 'the sandbox is not running')
    return execInSandbox(sandboxPaths(this.#data(handle).dir), command, opts.timeoutMs ?? 60_000)
  }

  controlChannel(handle: SandboxHandle): ControlChannel {
    const data = this.#data(handle)
    return {
      socketPath: join(sandboxPaths(data.dir).control, 'control.sock'),
      controlUrl: `ws+unix://${inside.controlSocket}:/internal/runner`,
      serverUrl: `http://127.0.0.1:${forwardPort}`,
    }
  }

  panelSocket(handle: SandboxHandle): string {
    return sandboxPaths(this.#data(handle).dir).panelSocket
  }

  logTail(handle: SandboxHandle, maxBytes: number): Promise<string> {
    return readLogTail(sandboxPaths(this.#data(handle).dir).log, maxBytes)
  }

  async claim(handle: SandboxHandle): Promise<void> {
    const paths = sandboxPaths(this.#data(handle).dir)
    await writeFile(join(paths.control, claimFile), '', { mode: 0o644 })
  }

  async agentReady(handle: SandboxHandle): Promise<boolean> {
    // The runner writes its state file once OpenCode is up and its session exists.
    return access(join(this.#data(handle).stateDir, 'runner-state.json')).then(
      () => true,
      () => false,
    )
  }

  async usage(handle: SandboxHandle): Promise<SandboxUsage> {
    const data = this.#data(handle)
    const events = await this.#cgroup(data.dir).events()
    // The file system's own size (the image minus ext4's metadata), so "full" means no block is left.
    const fs = await statfs(sandboxPaths(data.dir).volume).catch(() => undefined)
    const diskBytes = fs ? fs.blocks * fs.bsize : this.#o.limits.diskBytes
    const diskUsedBytes = fs ? (fs.blocks - fs.bavail) * fs.bsize : 0
    return { ...events, diskUsedBytes, diskBytes }
  }

  async destroy(handle: SandboxHandle): Promise<void> {
    const data = handle.data as Partial<BwrapData>
    if (!data.dir) return
    await this.#destroyDir(data.dir)
  }

  /** Removes sandboxes of this root directory that `keep` does not name: leftovers of a crash. */
  async sweep(keep: ReadonlySet<string>): Promise<string[]> {
    const removed = new Set<string>()
    const dirs = await readdir(this.#o.rootDir).catch(() => [] as string[])
    for (const id of dirs) if (!id.startsWith('.') && !keep.has(id)) removed.add(id)
    for (const [, owner] of await this.#uids.allocations()) {
      if (!owner.startsWith(`${this.#o.rootDir}/`)) continue
      const id = owner.slice(this.#o.rootDir.length + 1)
      if (!keep.has(id)) removed.add(id)
    }
    for (const id of await listCgroups(this.#o.cgroups, this.#cgroupParent))
      if (!keep.has(id)) removed.add(id)
    for (const point of mountsUnder(this.#o.rootDir)) {
      const id = point.slice(this.#o.rootDir.length + 1).split('/')[0]
      // Not the spare volumes' directory: the refill below keeps or removes those.
      if (id && !id.startsWith('.') && !keep.has(id)) removed.add(id)
    }
    for (const id of removed) await this.#destroyDir(join(this.#o.rootDir, id))
    // Uids the machine-wide pool still records for sandboxes of roots that no longer exist (this root's: above).
    await this.#uids.releaseOrphans().catch(() => {})
    // Run once at server start: the first session then finds a volume formatted ahead of time, a compile cache
    // of the runner as it is now, and a zygote to fork its supervisor.
    this.#zygote.warm()
    this.#background = this.#toolchain()
      .then(() => Promise.all([this.#spares.refill(), this.#compileCache.seed()]))
      .catch(() => {}) // both are optimisations; sessions start without them
    return [...removed]
  }

  /** Waits for the work done in the background (the compile cache), removes the spare volumes, ends the zygote. */
  async close(): Promise<void> {
    this.#zygote.close()
    await this.#background
    await Promise.all([this.#spares.close(), this.#compileCache.settled()])
  }

  async #stopProcesses(data: Pick<BwrapData, 'dir' | 'uid'>) {
    await stopSandbox(sandboxPaths(data.dir), data.uid, this.#cgroup(data.dir), this.#o.stopGraceMs)
  }

  async #destroyDir(dir: string) {
    this.#justPrepared.delete(dir)
    const uid = await this.#uids.find(dir)
    if (uid !== undefined) await this.#stopProcesses({ dir, uid })
    await this.#cgroup(dir).remove()
    const paths = sandboxPaths(dir)
    await removeVolume(join(dir, 'volume.img'), paths.volume)
    await rm(dir, { recursive: true, force: true })
    if (uid !== undefined) await this.#uids.release(uid)
  }

  #cgroup(dir: string): SandboxCgroup {
    const id = dir.slice(dir.lastIndexOf('/') + 1)
    return new SandboxCgroup(this.#o.cgroups, this.#cgroupParent, id)
  }

  #data(handle: SandboxHandle): BwrapData {
    const data = handle.data as Partial<BwrapData>
    if (!data.dir || typeof data.uid !== 'number')
      throw new SandboxError('permanent', `sandbox ${handle.sandboxId} has no bubblewrap data recorded`)
    return data as BwrapData
  }
}
