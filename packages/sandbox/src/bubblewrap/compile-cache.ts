import { execFile } from 'node:child_process'
import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { baseLayoutArgs, inside, insideUid, runnerCodeBinds } from './sandbox-spec.ts'

const run = promisify(execFile)

/**
 * The seeding process runs the runner's entry point as a sandbox does, but with no runner environment: it loads
 * what a runner loads before OpenCode is up (the entry itself included: uncached, it alone made every sandbox's
 * Node load the TypeScript stripper, ~0.13 s), starts nothing and exits with `entryExitCode`. What a runner loads
 * only once configured is preloaded beside it.
 */
const entryModule = 'main.ts'
const entryExitCode = 2
const preloadedModules = ['panels/panel-server.ts']
/** Written last into a finished cache: a directory without it is not used. */
const completeMarker = '.complete'

/**
 * Node's compile cache of the runner (its type-stripped and compiled modules), made by the server at start-up
 * and bound read-only into every sandbox: a new sandbox's runner then starts OpenCode ~0.2 s sooner instead of
 * compiling itself first. It is made in a bubblewrap namespace with the sandbox's own layout (Node keys the
 * cache by absolute path) by a trusted process; never by a sandbox, since a cache one sandbox could write
 * would be code run by every other sandbox's runner.
 */
export class RunnerCompileCache {
  readonly #dir: string
  readonly #layout: { nodeDir: string; appRoot: string }
  #seeding: Promise<void> | undefined

  /** `dir`: where the cache lives on the host; `nodeDir` and `appRoot` as the sandboxes bind them. */
  constructor(dir: string, layout: { nodeDir: string; appRoot: string }) {
    this.#dir = dir
    this.#layout = layout
  }

  /** The host directory to bind at `inside.compileCache`, once a cache is complete. */
  async ready(): Promise<string | undefined> {
    const complete = await access(join(this.#dir, completeMarker)).then(
      () => true,
      () => false,
    )
    return complete ? this.#dir : undefined
  }

  /** Makes the cache anew (the application may have changed since the last start); never throws. */
  seed(): Promise<void> {
    this.#seeding ??= this.#make().catch(() => {}) // an optimisation: sandboxes then compile for themselves
    return this.#seeding
  }

  /** Resolves once the seeding in progress, if any, is done. */
  async settled(): Promise<void> {
    await this.#seeding
  }

  async #make() {
    const partial = `${this.#dir}.partial`
    await rm(partial, { recursive: true, force: true })
    await mkdir(partial, { recursive: true, mode: 0o755 })
    const { nodeDir, appRoot } = this.#layout
    const binds = [
      { src: '/usr', dest: '/usr', ro: true },
      ...runnerCodeBinds(nodeDir, appRoot),
      { src: partial, dest: inside.compileCache, ro: false },
    ].flatMap((bind) => [bind.ro ? '--ro-bind' : '--bind', bind.src, bind.dest])
    const runnerSource = (module: string) => join(inside.app, 'packages/runner/src', module)
    await run(
      'bwrap',
      [
        '--unshare-all',
        // As the sandboxes' uid: Node names the cache's directory after the uid that reads it.
        ...['--unshare-user', '--uid', String(insideUid), '--gid', String(insideUid)],
        '--die-with-parent',
        '--new-session',
        ...baseLayoutArgs,
        ...binds,
        '--chdir',
        '/tmp',
        join(inside.node, 'bin', 'node'),
        ...preloadedModules.flatMap((module) => ['--import', runnerSource(module)]),
        runnerSource(entryModule),
      ],
      { env: { NODE_COMPILE_CACHE: inside.compileCache, PATH: '/usr/bin:/bin' }, timeout: 60_000 },
    ).catch((error: { code?: unknown }) => {
      if (error.code !== entryExitCode) throw error
    })
    // Node writes its cache files for their owner only; every sandbox uid reads them (none may write them).
    await run('chmod', ['-R', 'u=rwX,go=rX', partial])
    await writeFile(join(partial, completeMarker), '')
    await rm(this.#dir, { recursive: true, force: true })
    await rename(partial, this.#dir)
  }
}
