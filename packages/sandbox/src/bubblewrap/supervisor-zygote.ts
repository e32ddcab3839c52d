import { type ChildProcessByStdio, spawn } from 'node:child_process'
import type { Readable, Writable } from 'node:stream'

type Zygote = ChildProcessByStdio<Writable, Readable, null>
/** The new supervisor's pid; `lost` when the zygote went away with the request sent (it may have forked). */
export type ForkResult = number | 'lost' | 'unavailable'
type Pending = { resolve: (result: ForkResult) => void }

/**
 * One python3 running `supervisor.py zygote`, which forks a sandbox's supervisor on request: a start then neither
 * starts python3 nor forks the server's own process, which grows with the server (a fork copies its page tables:
 * 5-25 ms here, with the event loop blocked meanwhile). It ends with the server (EOF on its stdin); the supervisors
 * it forked, each in a session of its own, go on, as directly spawned ones do.
 *
 * Best effort: fork() resolves `unavailable` when the zygote cannot be used, and the caller spawns the supervisor
 * itself. A zygote that died is started again on the next fork().
 */
export class SupervisorZygote {
  readonly #python: string
  readonly #script: string
  #child: Zygote | undefined
  #pending: Pending[] = []
  #closed = false

  constructor(python: string, script: string) {
    this.#python = python
    this.#script = script
  }

  /** Starts the zygote ahead of the first start (at server start-up). */
  warm(): void {
    this.#ensure()
  }

  /** Forks a supervisor for the spec at `specPath` with environment `env`. */
  fork(specPath: string, env: Record<string, string>): Promise<ForkResult> {
    const child = this.#ensure()
    if (!child) return Promise.resolve('unavailable')
    return new Promise((resolve) => {
      this.#pending.push({ resolve })
      this.#hold(child, true)
      child.stdin.write(`${JSON.stringify({ spec: specPath, env })}\n`)
    })
  }

  /** Ends the zygote; forks asked for afterwards resolve `unavailable`. */
  close(): void {
    this.#closed = true
    this.#child?.stdin.end()
    this.#child?.kill('SIGKILL')
    this.#failAll()
  }

  #ensure(): Zygote | undefined {
    if (this.#closed) return undefined
    if (this.#child && this.#child.exitCode === null && this.#child.signalCode === null) return this.#child
    const child = spawn(this.#python, ['-I', '-S', this.#script, 'zygote'], {
      stdio: ['pipe', 'pipe', 'ignore'],
      env: {},
    })
    this.#child = child
    let buffered = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk
      let newline = buffered.indexOf('\n')
      while (newline >= 0) {
        const pid = Number(buffered.slice(0, newline))
        buffered = buffered.slice(newline + 1)
        this.#pending.shift()?.resolve(Number.isInteger(pid) && pid > 0 ? pid : 'lost')
        newline = buffered.indexOf('\n')
      }
      if (this.#pending.length === 0) this.#hold(child, false)
    })
    const gone = () => {
      if (this.#child === child) this.#child = undefined
      this.#failAll()
    }
    child.once('exit', gone)
    child.once('error', gone)
    child.stdin.on('error', gone) // EPIPE: it died with a request on the way
    this.#hold(child, false)
    return child
  }

  /** An idle zygote does not keep the server's process alive; one with requests on the way does. */
  #hold(child: Zygote, held: boolean) {
    for (const handle of [child, child.stdin, child.stdout] as { ref(): void; unref(): void }[])
      held ? handle.ref() : handle.unref()
  }

  #failAll() {
    for (const { resolve } of this.#pending.splice(0)) resolve('lost')
  }
}
