import { spawnSync } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { agentBrowserPorts, buildOpencodeConfig, buildOpencodeEnv, xdgDirs } from '../src/opencode-config.ts'

// The sandbox's first process (launch-opencode.sh): starts OpenCode, then becomes the runner. OpenCode must get
// exactly what the runner would have given it, and the runner what it needs to adopt that OpenCode.

const launcher = fileURLToPath(new URL('../src/launch-opencode.sh', import.meta.url))

let dir: string
const groups: number[] = []
afterEach(() => {
  for (const pgid of groups.splice(0)) {
    try {
      process.kill(-pgid, 'SIGKILL')
    } catch {
      // Gone.
    }
  }
  rmSync(dir, { recursive: true, force: true })
})

/** A stand-in OpenCode that records how it was started, prints its URL as OpenCode does, then waits. */
function standInOpencode() {
  const binary = join(dir, 'opencode')
  writeFileSync(
    binary,
    `#!/bin/sh
echo "$@" > '${dir}/args'
pwd > '${dir}/cwd'
read -r stat < /proc/$$/stat
set -- $stat
echo "$6" > '${dir}/session'
env -0 > '${dir}/env.tmp' && mv '${dir}/env.tmp' '${dir}/env'
echo 'opencode server listening on http://127.0.0.1:4096'
exec sleep 60
`,
  )
  chmodSync(binary, 0o755)
  return binary
}

/** Runs the launcher with a stand-in runner that reports the variables it was given. */
function launch(env: Record<string, string>) {
  const runner = join(dir, 'runner.mjs')
  writeFileSync(
    runner,
    `import { writeFileSync } from 'node:fs'
writeFileSync(${JSON.stringify(join(dir, 'runner.json'))}, JSON.stringify({ argv: process.argv.slice(2), env: process.env }))`,
  )
  const result = spawnSync('/bin/sh', [launcher, process.execPath, runner, '--flag'], {
    env,
    encoding: 'utf8',
  })
  expect(result.status, result.stderr).toBe(0)
  const reported = JSON.parse(readFileSync(join(dir, 'runner.json'), 'utf8')) as {
    argv: string[]
    env: Record<string, string>
  }
  const pid = Number(reported.env.AGENT_OPS_OPENCODE_PID)
  if (pid > 0) groups.push(pid)
  return { ...reported, pid, stderr: result.stderr }
}

/** Waits until the file exists and its text contains `text`: the stand-in writes its files one after another. */
async function waitForFile(path: string, text = '') {
  const deadline = Date.now() + 10_000
  while (!existsSync(path) || !readFileSync(path, 'utf8').includes(text)) {
    if (Date.now() > deadline)
      throw new Error(`${path} never appeared${text ? ` with ${JSON.stringify(text)}` : ''}`)
    await sleep(5)
  }
}

function sandboxEnv(extra: Record<string, string> = {}) {
  dir = mkdtempSync(join(tmpdir(), 'aops-launcher-'))
  const state = join(dir, 'state')
  const workspace = join(dir, 'workspace')
  mkdirSync(state)
  mkdirSync(workspace)
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'C.UTF-8',
    HOME: join(dir, 'home'),
    HTTPS_PROXY: 'http://127.0.0.1:3128',
    AGENT_OPS_SESSION_ID: 'ses_launcher',
    AGENT_OPS_CONTROL_TOKEN: 'aops_ctl_secret',
    AGENT_OPS_STATE_DIR: state,
    AGENT_OPS_WORKSPACE: workspace,
    AGENT_OPS_OPENCODE_CONFIG: JSON.stringify({
      provider: { testkit: { options: { baseURL: 'http://127.0.0.1:1/v1', apiKey: 'aops_llm_x' } } },
      model: 'testkit/m',
      small_model: 'testkit/m',
      autoupdate: true, // the server's members win over the base, as in buildOpencodeConfig
    }),
    AGENT_OPS_OPENCODE_BIN: standInOpencode(),
    NODE_COMPILE_CACHE: join(dir, 'cache'),
    ...extra,
  }
}

describe('launch-opencode.sh', () => {
  for (const panels of [false, true]) {
    it(`gives OpenCode what the runner would${panels ? ' (with the browser panel)' : ''}, then runs the runner`, async () => {
      const env = sandboxEnv(
        panels ? { AGENT_OPS_PANEL_SOCKET: '/run/panels.sock', AGENT_OPS_BROWSER_MCP_PORT: '9333' } : {},
      )
      const runner = launch(env)
      expect(runner.argv).toEqual(['--flag'])
      expect(runner.pid).toBeGreaterThan(1)
      await waitForFile(join(dir, 'env'))

      const state = env.AGENT_OPS_STATE_DIR
      const actual = Object.fromEntries(
        readFileSync(join(dir, 'env'), 'utf8')
          .split('\0')
          .filter(Boolean)
          .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
      )
      const expected = buildOpencodeEnv({
        inherited: env,
        xdg: xdgDirs(state),
        password: runner.env.AGENT_OPS_OPENCODE_PASSWORD ?? '',
        config: buildOpencodeConfig(JSON.parse(env.AGENT_OPS_OPENCODE_CONFIG), agentBrowserPorts(env)),
      })
      // The shell's own bookkeeping is not ours to compare; the config is compared as OpenCode reads it.
      const { PWD: _pwd, OLDPWD: _oldpwd, SHLVL: _shlvl, _: _underscore, ...rest } = actual
      expect({ ...rest, OPENCODE_CONFIG_CONTENT: JSON.parse(rest.OPENCODE_CONFIG_CONTENT ?? '') }).toEqual({
        ...expected,
        OPENCODE_CONFIG_CONTENT: JSON.parse(expected.OPENCODE_CONFIG_CONTENT ?? ''),
      })
      expect(Object.keys(rest).filter((name) => name.startsWith('AGENT_OPS_'))).toEqual([])
      expect(readFileSync(join(dir, 'env'), 'utf8')).not.toContain('aops_ctl_secret')

      expect(readFileSync(join(dir, 'args'), 'utf8').trim()).toBe('serve --port 0 --hostname 127.0.0.1')
      expect(readFileSync(join(dir, 'cwd'), 'utf8').trim()).toBe(env.AGENT_OPS_WORKSPACE)
      // Its own session: a stop of its group reaches the tools it starts, and nothing of the runner's.
      expect(Number(readFileSync(join(dir, 'session'), 'utf8'))).toBe(runner.pid)
      expect(readFileSync(join(state, 'opencode.pid'), 'utf8').trim()).toBe(String(runner.pid))
      expect(runner.env.AGENT_OPS_OPENCODE_OUTPUT).toBe(join(state, 'opencode.out'))
      // OpenCode's output goes to that file (the stand-in prints its URL after writing `env`: waited for).
      await waitForFile(join(state, 'opencode.out'), 'listening on http://127.0.0.1:4096')
      expect(runner.env.AGENT_OPS_OPENCODE_PASSWORD?.length).toBeGreaterThanOrEqual(64)
      // makeXdgDirs: private dirs, OpenCode's global config dir read-only.
      expect(statSync(join(state, 'data')).mode & 0o777).toBe(0o700)
      expect(statSync(join(state, 'config', 'opencode')).mode & 0o777).toBe(0o555)
      // The runner keeps its own variables.
      expect(runner.env.AGENT_OPS_CONTROL_TOKEN).toBe('aops_ctl_secret')
      expect(runner.env.NODE_COMPILE_CACHE).toBe(env.NODE_COMPILE_CACHE)
    })
  }

  it('a new password for each start', async () => {
    const env = sandboxEnv()
    const first = launch(env)
    const second = launch(env)
    expect(first.env.AGENT_OPS_OPENCODE_PASSWORD).not.toBe(second.env.AGENT_OPS_OPENCODE_PASSWORD)
  })

  it('starts nothing, and still runs the runner, when the environment is incomplete', () => {
    const env = sandboxEnv()
    const { AGENT_OPS_OPENCODE_CONFIG: _config, ...incomplete } = env
    const runner = launch(incomplete)
    expect(runner.env.AGENT_OPS_OPENCODE_PID).toBeUndefined()
    expect(runner.stderr).toContain('the runner starts it')
    expect(existsSync(join(env.AGENT_OPS_STATE_DIR, 'opencode.pid'))).toBe(false)
  })

  it('leaves an unusual browser port to the runner rather than guess', () => {
    const env = sandboxEnv({
      AGENT_OPS_PANEL_SOCKET: '/run/panels.sock',
      AGENT_OPS_BROWSER_MCP_PORT: '09221',
    })
    expect(launch(env).env.AGENT_OPS_OPENCODE_PID).toBeUndefined()
  })
})
