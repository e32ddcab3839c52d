import { spawn } from 'node:child_process'
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { startOpencodeEarly } from '../src/early-start.ts'
import { createLogger } from '../src/log.ts'
import { OpencodeProcess } from '../src/opencode-process.ts'
import { isAlive } from './helpers/harness.ts'

let dir: string | undefined
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
  dir = undefined
})

describe('startOpencodeEarly', () => {
  it('spawns OpenCode before it returns, so loading the rest of the runner cannot delay it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'aops-early-'))
    const marker = join(dir, 'spawned')
    // A stand-in OpenCode that only proves it ran, then exits (the start then fails: that is not under test).
    const binary = join(dir, 'opencode')
    writeFileSync(binary, `#!/bin/sh\ntouch '${marker}'\n`)
    chmodSync(binary, 0o755)
    const abort = new AbortController()
    const started = startOpencodeEarly(
      {
        AGENT_OPS_STATE_DIR: join(dir, 'state'),
        AGENT_OPS_WORKSPACE: dir,
        AGENT_OPS_OPENCODE_CONFIG: JSON.stringify({ provider: {}, model: 'x/y' }),
        AGENT_OPS_OPENCODE_BIN: binary,
      },
      createLogger({ write: () => {} }),
      abort.signal,
    )
    expect(started).toBeDefined()
    // Hold the event loop, as the entry point does while it loads the runner's modules: a spawn still waiting
    // behind an await would never happen during this loop.
    const deadline = Date.now() + 20_000
    while (!existsSync(marker) && Date.now() < deadline) {
      // Busy wait on purpose (see above).
    }
    expect(existsSync(marker)).toBe(true)
    abort.abort()
    await started?.catch(() => {})
  })

  it('is reached through light modules only: the entry point loads no node:crypto before the spawn', async () => {
    // ESM loads all of main.ts's static imports before its first line runs; each built-in added there delays
    // OpenCode's spawn by its load time (node:crypto: ~6 ms). Node lists the built-ins it loaded.
    const script = `
      await Promise.all(['../src/early-start.ts', '../src/llm-forward.ts', '../src/log.ts'].map((m) => import(new URL(m, ${JSON.stringify(import.meta.url)}).href)))
      console.log(JSON.stringify(process.moduleLoadList))`
    const child = spawn(process.execPath, ['--input-type=module', '--eval', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    await new Promise((resolve) => child.once('close', resolve))
    const loaded = JSON.parse(output) as string[]
    expect(loaded).toContain('NativeModule child_process') // the list is what this test thinks it is
    expect(loaded.filter((name) => /^NativeModule (crypto|internal\/crypto)/.test(name))).toEqual([])
  })

  it('adopts the OpenCode the sandbox launcher started: ready from its output file, its exit seen in /proc', async () => {
    dir = mkdtempSync(join(tmpdir(), 'aops-early-'))
    const state = join(dir, 'state')
    mkdirSync(state)
    // A stand-in OpenCode, started as the launcher does (not a child of the runner's code under test).
    const fake = join(dir, 'fake-opencode.mjs')
    writeFileSync(
      fake,
      `import { createServer } from 'node:http'
const server = createServer((request, response) => {
  response.setHeader('content-type', 'application/json')
  response.end(request.url.startsWith('/global/health') ? '{"healthy":true,"version":"9.9.9"}' : '{}')
})
server.listen(0, '127.0.0.1', () => console.log('opencode server listening on http://127.0.0.1:' + server.address().port))`,
    )
    const outputFile = join(state, 'opencode.out')
    const out = openSync(outputFile, 'w')
    const launched = spawn(process.execPath, [fake], { detached: true, stdio: ['ignore', out, out] })
    closeSync(out)
    const neverRun = join(dir, 'opencode')
    writeFileSync(neverRun, `#!/bin/sh\ntouch '${dir}/started-anew'\n`)
    chmodSync(neverRun, 0o755)
    const env: NodeJS.ProcessEnv = {
      AGENT_OPS_STATE_DIR: state,
      AGENT_OPS_WORKSPACE: dir,
      AGENT_OPS_OPENCODE_CONFIG: JSON.stringify({ provider: {}, model: 'x/y' }),
      AGENT_OPS_OPENCODE_BIN: neverRun,
      AGENT_OPS_OPENCODE_PID: String(launched.pid),
      AGENT_OPS_OPENCODE_PASSWORD: 'launcher-password',
      AGENT_OPS_OPENCODE_OUTPUT: outputFile,
    }
    const started = startOpencodeEarly(env, createLogger({ write: () => {} }), new AbortController().signal)
    // What the launcher passed is the runner's alone: nothing it starts later inherits the password.
    expect(Object.keys(env).filter((name) => name.startsWith('AGENT_OPS_OPENCODE_'))).toEqual([
      'AGENT_OPS_OPENCODE_CONFIG',
      'AGENT_OPS_OPENCODE_BIN',
    ])
    const opencode = await started
    expect(opencode?.pid).toBe(launched.pid)
    expect(opencode?.version).toBe('9.9.9')
    expect(opencode?.password).toBe('launcher-password')
    expect(existsSync(join(dir, 'started-anew'))).toBe(false)
    // Killed from outside (as a crash): the adopted process's exit is noticed.
    process.kill(launched.pid ?? -1, 'SIGKILL')
    await opencode?.exited
  })

  it("follows an adopted OpenCode's output file as it is written: a URL printed in parts, an exit before any", async () => {
    dir = mkdtempSync(join(tmpdir(), 'aops-early-'))
    const adopt = (script: string, outputFile: string) => {
      const out = openSync(outputFile, 'w')
      const launched = spawn('/bin/sh', ['-c', script], { detached: true, stdio: ['ignore', out, out] })
      closeSync(out)
      return OpencodeProcess.adopt({
        pid: launched.pid ?? -1,
        password: 'p',
        outputFile,
        cwd: dir!,
        pidFile: join(dir!, 'opencode.pid'),
        log: createLogger({ write: () => {} }),
      })
    }
    // The line in two writes, the second well after the first read: the wait reads the file again when it changes.
    const server = spawn(process.execPath, [
      '-e',
      `require('node:http').createServer((q, r) => r.end('{"healthy":true,"version":"1.2.3"}')).listen(0, '127.0.0.1', function () { console.log(this.address().port) })`,
    ])
    const port = await new Promise<string>((resolve) =>
      server.stdout.once('data', (d) => resolve(String(d).trim())),
    )
    try {
      const printed = adopt(
        `printf 'opencode server listen'; sleep 0.3; echo 'ing on http://127.0.0.1:${port}'; exec sleep 60`,
        join(dir, 'printed.out'),
      )
      const opencode = await printed
      expect(opencode.url).toBe(`http://127.0.0.1:${port}`)
      expect(opencode.version).toBe('1.2.3')
      await opencode.stop(0)
    } finally {
      server.kill()
    }
    const failed = adopt(`echo 'Error: no such config'; sleep 0.2; exit 1`, join(dir, 'failed.out'))
    await expect(failed).rejects.toThrow(/exited during start-up:\nError: no such config/)
  })

  it('gives up an adopted OpenCode still starting when told to stop, with its whole process group', async () => {
    dir = mkdtempSync(join(tmpdir(), 'aops-early-'))
    const outputFile = join(dir, 'opencode.out')
    const out = openSync(outputFile, 'w')
    // Its URL (where nothing answers), then a tool of its own (same group), then it waits.
    const launched = spawn(
      '/bin/sh',
      ['-c', `echo 'listening on http://127.0.0.1:1'; sleep 60 & echo $! > '${dir}/tool'; exec sleep 60`],
      { detached: true, stdio: ['ignore', out, out] },
    )
    const launchedExit = new Promise((resolve) => launched.once('exit', resolve))
    closeSync(out)
    const abort = new AbortController()
    const adopted = OpencodeProcess.adopt({
      pid: launched.pid ?? -1,
      password: 'p',
      outputFile,
      cwd: dir,
      pidFile: join(dir, 'opencode.pid'),
      log: createLogger({ write: () => {} }),
      signal: abort.signal,
    })
    while (!existsSync(join(dir, 'tool'))) await sleep(5)
    const tool = Number(readFileSync(join(dir, 'tool'), 'utf8'))
    expect(isAlive(tool)).toBe(true)
    abort.abort()
    await expect(adopted).rejects.toThrow('start aborted')
    await launchedExit
    // The tool was reparented (to init, which reaps it): gone once killed.
    const deadline = Date.now() + 5_000
    while (isAlive(tool) && Date.now() < deadline) await sleep(10)
    expect(isAlive(tool)).toBe(false)
  })

  it('starts nothing when the environment is incomplete (the runner reports it)', () => {
    const started = startOpencodeEarly(
      { AGENT_OPS_WORKSPACE: '/workspace' },
      createLogger({ write: () => {} }),
      new AbortController().signal,
    )
    expect(started).toBeUndefined()
  })

  it('stops OpenCode when the runner is told to stop while it is still loading', async () => {
    dir = mkdtempSync(join(tmpdir(), 'aops-early-'))
    const marker = join(dir, 'pid')
    // A stand-in OpenCode that never becomes ready: only a stop ends it.
    const binary = join(dir, 'opencode')
    writeFileSync(
      binary,
      `#!/bin/sh\necho $$ > '${marker}.tmp' && mv '${marker}.tmp' '${marker}'\nexec sleep 60\n`,
    )
    chmodSync(binary, 0o755)
    const runner = spawn(process.execPath, [fileURLToPath(new URL('../src/main.ts', import.meta.url))], {
      env: {
        PATH: process.env.PATH,
        AGENT_OPS_STATE_DIR: join(dir, 'state'),
        AGENT_OPS_WORKSPACE: dir,
        AGENT_OPS_OPENCODE_CONFIG: JSON.stringify({ provider: {}, model: 'x/y' }),
        AGENT_OPS_OPENCODE_BIN: binary,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    runner.stdout.on('data', (c) => (output += c))
    runner.stderr.on('data', (c) => (output += c))
    const exited = new Promise<number | null>((resolve) => runner.once('exit', (code) => resolve(code)))
    while (!existsSync(marker)) await sleep(2)
    const opencodePid = Number(readFileSync(marker, 'utf8'))
    // OpenCode runs; the runner is still loading its modules (hundreds of ms after the spawn).
    runner.kill('SIGTERM')
    // Handled (143), or the runner found its incomplete environment first (2): either way not killed by it.
    expect([143, 2], output).toContain(await exited)
    expect(isAlive(opencodePid)).toBe(false)
  })
})
