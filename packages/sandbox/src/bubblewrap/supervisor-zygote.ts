import { type ChildProcessByStdio, spawn } from 'node:child_process'
import type { Readable, Writable } from 'node:stream'

type Zygote = ChildProcessByStdio<Writable, Readable, null>
/** The new supervisor's pid; `lost` when the zygote went away with the request sent (it may have forked). */
export type ForkResult = number | 'lost' | 'unavailable'
type Pending = { resolve: (result: ForkResult) => void }
/** A zygote and the requests sent to it, answered in order; a replaced zygote's late exit fails only its own. */
type Running = { process: Zygote; pending: Pending[] }

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
  #current: Running | undefined
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
    const zygote = this.#ensure()
    if (!zygote) return Promise.resolve('unavailable')
    return new Promise((resolve) => {
      zygote.pending.push({ resolve })
      this.#hold(zygote.process, true)
      zygote.process.stdin.write(`${JSON.stringify({ spec: specPath, env })}\n`)
    })
  }

  /** Ends the zygote; forks asked for afterwards resolve `unavailable`. */
  close(): void {
    this.#closed = true
    const current = this.#current
    this.#current = undefined
    if (!current) return
    current.process.stdin.end()
    current.process.kill('SIGKILL')
    failAll(current)
  }

  #ensure(): Running | undefined {
    if (this.#closed) return undefined
    const current = this.#current
    if (current && current.process.exitCode === null && current.process.signalCode === null) return current
    const child = spawn(this.#python, ['-I', '-S', this.#script, 'zygote'], {
      stdio: ['pipe', 'pipe', 'ignore'],
      env: {},
    })
    const zygote: Running = { process: child, pending: [] }
    this.#current = zygote
    let buffered = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk
      let newline = buffered.indexOf('\n')
      while (newline >= 0) {
        const pid = Number(buffered.slice(0, newline))
        buffered = buffered.slice(newline + 1)
        zygote.pending.shift()?.resolve(Number.isInteger(pid) && pid > 0 ? pid : 'lost')
        newline = buffered.indexOf('\n')
      }
      if (zygote.pending.length === 0) this.#hold(child, false)
    })
    const gone = () => {
      if (this.#current === zygote) this.#current = undefined
      failAll(zygote)
    }
    child.once('exit', gone)
    child.once('error', gone)
    child.stdin.on('error', gone) // EPIPE: it died with a request on the way
    this.#hold(child, false)
    return zygote
  }

  /** An idle zygote does not keep the server's process alive; one with requests on the way does. */
  #hold(child: Zygote, held: boolean) {
    for (const handle of [child, child.stdin, child.stdout] as { ref(): void; unref(): void }[])
      held ? handle.ref() : handle.unref()
  }
}

function failAll(zygote: Running) {
  for (const { resolve } of zygote.pending.splice(0)) resolve('lost')
}
