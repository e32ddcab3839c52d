import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

/**
 * A service's process, in a process group of its own (`detached`), so stopping it reaches everything it
 * started (code-server's extension host, Chromium's renderers): SIGTERM to the group, SIGKILL after a grace.
 */
export type ChildGroup = {
  readonly pid: number
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** The last few KB of its output, for error messages. */
  output(): string
  stop(graceMs?: number): Promise<void>
}

const STOP_GRACE_MS = 3_000
const OUTPUT_TAIL_CHARS = 4_096

export async function spawnGroup(
  command: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<ChildGroup> {
  const child: ChildProcess = spawn(command, args, {
    cwd: opts.cwd,
    env: opts.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS)
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
    child.once('error', (error) => {
      output += `\n${error.message}`
      resolve({ code: null, signal: null })
    })
  })
  await new Promise<void>((resolve) => {
    child.once('spawn', resolve)
    void exited.then(() => resolve())
  })
  if (child.pid === undefined) throw new Error(`cannot start ${command}: ${output.trim()}`)
  const pid = child.pid
  const running = () => child.exitCode === null && child.signalCode === null
  return {
    pid,
    exited,
    output: () => output,
    async stop(graceMs = STOP_GRACE_MS) {
      if (running()) {
        signalGroup(pid, 'SIGTERM')
        await Promise.race([exited, sleep(graceMs, undefined, { ref: false })])
      }
      // Its children may outlive the leader: always sweep the group.
      signalGroup(pid, 'SIGKILL')
      if (running()) await exited
    },
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pgid, signal)
  } catch {
    // The group is gone already.
  }
}

/** A loopback TCP port nobody listens on right now (the `local` provider shares the host's loopback). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()))
    })
  })
}

/** Polls `check` until it resolves true, the process exits, or the deadline passes. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  group: ChildGroup,
  timeoutMs: number,
  intervalMs = 100,
): Promise<void> {
  let gone = false
  void group.exited.then(() => {
    gone = true
  })
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (gone) {
      const { code, signal } = await group.exited
      throw new Error(
        `${what} exited during start-up (code ${code}, signal ${signal}): ${group.output().trim()}`,
      )
    }
    if (await check().catch(() => false)) return
    await sleep(intervalMs)
  }
  throw new Error(`${what} was not ready within ${Math.round(timeoutMs / 1000)} s: ${group.output().trim()}`)
}

/** What a service inherits: the runner's environment minus everything of ours (the control token stays here). */
export function serviceEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key.startsWith('AGENT_OPS_') || key === 'NODE_COMPILE_CACHE') continue
    env[key] = value
  }
  return { ...env, ...extra }
}

/** Resolves with a message when any of the groups exits. */
export function firstExit(groups: Record<string, ChildGroup>): Promise<string> {
  return Promise.race(
    Object.entries(groups).map(([what, group]) =>
      group.exited.then(({ code, signal }) => `${what} exited (code ${code}, signal ${signal})`),
    ),
  )
}
