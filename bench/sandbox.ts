// Sandbox metrics: bubblewrap start-up against a bare spawn of the same command, warm-pool claims, resume
// after hibernation, and the memory of an idle session.
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BubblewrapProvider, detectCgroups } from '@agent-ops/sandbox'
import { loadConfig } from '@agent-ops/server'
import type { ScriptedModel } from '@agent-ops/testkit'
import { measureOpenCodeRestart } from './opencode-direct.ts'
import { startStack } from './stack.ts'
import { now } from './viewer.ts'

const runnerEntry = fileURLToPath(import.meta.resolve('@agent-ops/runner/main'))
const GiB = 1024 ** 3

/** bubblewrap sandbox up (namespaces, cgroup, seccomp, network; the runner exec'd) vs. spawning the runner bare. */
export async function measureSandboxStart(runs: number): Promise<{ sandbox: number[]; bare: number[] }> {
  const cgroups = detectCgroups()
  if (!('layout' in cgroups)) throw new Error(cgroups.problem)
  const rootDir = mkdtempSync(join(tmpdir(), 'aops-bench-bwrap-'))
  const provider = new BubblewrapProvider({
    rootDir,
    runnerEntry,
    runnerLauncher: fileURLToPath(import.meta.resolve('@agent-ops/runner/launcher')),
    appRoot: dirname(dirname(dirname(dirname(runnerEntry)))),
    uidRange: { first: 900_000, count: 10_000 },
    // The machine-wide record, as every server on this machine uses.
    uidPoolDir: loadConfig({}, {}).sandboxUidPoolDir,
    cgroups: cgroups.layout,
    limits: { memoryBytes: 2 * GiB, swapBytes: 0, cpuMillicores: 1000, pidsMax: 1024, diskBytes: GiB },
    network: 'on',
  })
  const launch = {
    controlUrl: 'ws+unix:///run/agent-ops/control.sock:/internal/runner',
    controlToken: 'bench',
  }
  const sandbox: number[] = []
  const bare: number[] = []
  try {
    for (let i = 0; i < runs; i++) {
      const handle = await provider.create({ sessionId: `bench_${i}` })
      const started = performance.now()
      await provider.start(handle, { ...launch, opencodeConfig: { provider: {}, model: 'x/y' } })
      sandbox.push(performance.now() - started)
      await provider.destroy(handle)
      const t0 = performance.now()
      const child = spawn(process.execPath, [runnerEntry], { stdio: 'ignore', env: {} })
      await new Promise((resolve) => child.once('spawn', resolve))
      bare.push(performance.now() - t0)
      child.kill('SIGKILL')
    }
  } finally {
    await provider.close() // unmounts the spare volumes it made
    rmSync(rootDir, { recursive: true, force: true })
  }
  return { sandbox, bare }
}

/** POST /api/sessions to ready, claiming a warm sandbox each time (the pool refills in between). */
export async function measureWarmClaims(model: ScriptedModel, runs: number): Promise<number[]> {
  const stack = await startStack(model, { warmPoolSize: 1 })
  const samples: number[] = []
  try {
    for (let i = 0; i < runs; i++) {
      await until(async () => (await stack.server.warmReady()) >= 1, 180_000)
      const started = now()
      const session = await stack.client.sessions.create({ prompt: 'hello' })
      const { at } = await stack.reach(session.id, 'ready')
      samples.push(at - started)
      await stack.client.sessions.stop(session.id)
    }
  } finally {
    await stack.close()
  }
  return samples
}

/**
 * Hibernated to ready: a session hibernates when idle, a message wakes it. Each resume is preceded by a bare
 * OpenCode start (its floor) and a restart of that OpenCode on its own data, so machine load affects both alike.
 * Also the memory of that idle session before it hibernates: every process of its sandbox (runner, OpenCode), by
 * resident set size.
 */
export async function measureResume(model: ScriptedModel, runs: number) {
  const stack = await startStack(model, { idleTimeoutMs: 1_500 })
  const resume: number[] = []
  const floor: number[] = []
  const reopenSession: number[] = []
  const rss: number[] = []
  const runnerCpu: number[] = []
  try {
    for (let i = 0; i < runs; i++) {
      const session = await stack.client.sessions.create({ prompt: 'hello' })
      // Its first turn done (ready -> working -> ready), the agent idles: that is the memory measured.
      const working = await stack.reach(session.id, 'working')
      await stack.reach(session.id, 'ready', working.seq)
      rss.push(sandboxRssMb(session.id))
      await stack.reach(session.id, 'hibernated')
      const bare = await measureOpenCodeRestart(model)
      floor.push(bare.startMs)
      reopenSession.push(bare.reopenSessionMs)
      const { lastEventSeq } = await stack.client.sessions.get(session.id)
      const started = now()
      await stack.client.sessions.send(session.id, { text: 'are you back?' })
      const { at } = await stack.reach(session.id, 'ready', lastEventSeq)
      resume.push(at - started)
      runnerCpu.push(runnerCpuMs(session.id))
      await stack.client.sessions.stop(session.id)
    }
  } finally {
    await stack.close()
  }
  return { resume, floor, reopenSession, rss, runnerCpu }
}

/**
 * CPU time the session's runner has used since it started (a resume starts a new one): user plus system time from
 * /proc/PID/stat, in clock ticks of 10 ms. Most of it is spent while OpenCode starts beside it, on the same cores.
 */
function runnerCpuMs(sessionId: string): number {
  for (const pid of sandboxPids(sessionId)) {
    try {
      // node .../main.ts, not the bwrap processes whose command lines name it too.
      const [command, entry] = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
      if (!command?.endsWith('/node') || !entry?.endsWith('/packages/runner/src/main.ts')) continue
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      // Fields after the command name (in parentheses, which may hold anything): utime and stime are 14 and 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      return (Number(fields[11]) + Number(fields[12])) * 10
    } catch {
      // Exited meanwhile.
    }
  }
  throw new Error(`no runner process found for session ${sessionId}`)
}

/** Every process whose cgroup is the session's sandbox. */
function sandboxPids(sessionId: string): string[] {
  return readdirSync('/proc').filter((name) => {
    if (!/^\d+$/.test(name)) return false
    try {
      return readFileSync(`/proc/${name}/cgroup`, 'utf8').includes(`/${sessionId}\n`)
    } catch {
      return false // exited meanwhile
    }
  })
}

/** Resident memory of every process whose cgroup is the session's sandbox, in MB. */
function sandboxRssMb(sessionId: string): number {
  let kb = 0
  for (const pid of sandboxPids(sessionId)) {
    try {
      kb += Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)/m)?.[1] ?? 0)
    } catch {
      // Exited meanwhile.
    }
  }
  return kb / 1024
}

async function until(check: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the warm pool')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
