import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import type { Script } from '@agent-ops/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { collectEvents, createTestServer, idleCount, ofType, type TestServer } from './harness.ts'

/**
 * The escape suite and the containment tests: real bubblewrap sandboxes, real commands, both through the
 * agent's bash tool (driven by the scripted model) and through the provider's exec. Two sessions side by side:
 * A attacks, B is the neighbour whose files, services and processes A must not reach.
 */

const MiB = 1024 ** 2
// OpenCode alone takes ~600 MiB once it has worked a turn.
const limits = { memory: 1536 * MiB, pids: 400, disk: 256 * MiB }
const serviceOfB = 8765

/** Each line: "blocked: <what>" when the attempt failed as it must, "ESCAPED: <what>" otherwise. */
function escapeScript(p: { dataDir: string; port: number; workspaceOfB: string }) {
  const attempts = [
    `cat ${p.dataDir}/agent-ops.db`,
    `ls ${p.dataDir}`,
    `ls ${p.workspaceOfB}`,
    'ls /root',
    'cat /etc/shadow',
    `bash -c 'exec 3<>/dev/tcp/127.0.0.1/${p.port}'`,
    `bash -c 'exec 3<>/dev/tcp/10.0.2.2/${p.port}'`,
    `bash -c 'exec 3<>/dev/tcp/127.0.0.1/${serviceOfB}'`,
    'unshare -U true',
    'unshare -m true',
    'mount -t tmpfs none /mnt',
    'touch /usr/escape',
    'touch /etc/escape',
    'touch /escape',
    'touch /opt/agent-ops/app/escape',
  ]
  const lines = attempts.map(
    (a) =>
      `if timeout 5 ${a} >/dev/null 2>&1; then echo "ESCAPED: ${a.replaceAll('"', '')}"; else echo "blocked: ${a.replaceAll('"', '')}"; fi`,
  )
  return `{ ${lines.join('; ')}; } > escape-report.txt 2>&1; touch /home/agent/home-ok /tmp/tmp-ok && echo writable >> escape-report.txt`
}

let t: TestServer
let a: string
let b: string

async function exec(sessionId: string, command: string, timeoutMs = 30_000) {
  return t.server.sandboxExec(sessionId, ['sh', '-c', command], { timeoutMs })
}

const python = (code: string) => `python3 -c '${code}'`

beforeAll(async () => {
  const script: Script = { exchanges: [] }
  t = await createTestServer({
    isolated: true,
    script,
    config: {
      sandboxMemoryBytes: limits.memory,
      sandboxPidsMax: limits.pids,
      sandboxDiskBytes: limits.disk,
      sandboxMonitorMs: 200,
    },
  })
  const first = await t.client.sessions.create({ prompt: 'neighbour says hello' })
  b = first.id
  script.exchanges.push(
    { match: 'neighbour says hello', steps: [{ text: 'Hello from B.' }] },
    {
      match: 'try to escape',
      steps: [
        {
          toolCalls: [
            {
              name: 'bash',
              arguments: {
                command: escapeScript({
                  dataDir: t.dataDir,
                  port: t.server.port,
                  workspaceOfB: t.workspaceOf(b),
                }),
                description: 'Escape attempts',
              },
            },
          ],
        },
        { text: 'Tried.' },
      ],
    },
    { match: 'still alive', steps: [{ text: 'B is still working.' }] },
  )
  const second = await t.client.sessions.create({ prompt: 'please try to escape' })
  a = second.id
  await Promise.all(
    [a, b].map((id) =>
      collectEvents(t.client, id, (_e, seen) => idleCount(seen) >= 1, { timeoutMs: 180_000 }),
    ),
  )
  // B's private file and a service on B's loopback: what A must not reach.
  await exec(b, 'echo secret-of-b > /workspace/b-secret.txt')
  await exec(b, `python3 -m http.server ${serviceOfB} --bind 127.0.0.1 >/dev/null 2>&1 &`)
  const up = await exec(
    b,
    `for i in $(seq 100); do ${python(`import socket; socket.create_connection(("127.0.0.1", ${serviceOfB}), 1)`)} 2>/dev/null && exit 0; sleep 0.1; done; exit 1`,
  )
  expect(up.exitCode, 'B serves on its own loopback (positive control)').toBe(0)
}, 240_000)

afterAll(async () => {
  await t?.close()
})

describe('escape attempts fail', () => {
  it('through the agent’s bash tool', () => {
    const report = readFileSync(`${t.workspaceOf(a)}/escape-report.txt`, 'utf8')
    expect(report).not.toContain('ESCAPED')
    expect(report.match(/^blocked: /gm)).toHaveLength(15)
    expect(report).toContain('writable') // home and /tmp are writable: the blocks above are not a broken shell
  })

  it('cannot read the server’s data directory, another session’s workspace, /root or /etc/shadow', async () => {
    for (const path of [`${t.dataDir}/agent-ops.db`, t.dataDir, t.workspaceOf(b), '/root', '/etc/shadow']) {
      const result = await exec(a, `cat ${path} || ls ${path}`)
      expect(result.exitCode, path).not.toBe(0)
    }
    const found = await exec(
      a,
      'find / \\( -path /proc -o -path /usr -o -path /opt -o -path /sys \\) -prune -o \\( -name b-secret.txt -o -name agent-ops.db \\) -print 2>/dev/null',
    )
    expect(found.stdout.trim()).toBe('')
    expect((await exec(b, 'cat /workspace/b-secret.txt')).stdout).toBe('secret-of-b\n') // positive control
  })

  it('cannot connect to the server’s TCP port on loopback or to another session’s services', async () => {
    const connect = (host: string, port: number) =>
      exec(a, python(`import socket; socket.create_connection(("${host}", ${port}), 3); print("connected")`))
    for (const [host, port] of [
      ['127.0.0.1', t.server.port],
      ['10.0.2.2', t.server.port], // slirp4netns' gateway is the host: no route to its loopback
      ['127.0.0.1', serviceOfB],
      ['10.0.2.2', serviceOfB],
    ] as const) {
      const result = await connect(host, port)
      expect(result.stdout, `${host}:${port}`).not.toContain('connected')
      expect(result.exitCode, `${host}:${port}`).not.toBe(0)
    }
  })

  it('cannot ptrace, mount or create a user namespace (seccomp, no capabilities)', async () => {
    const errnoOf = async (call: string) => {
      const code = `import ctypes; libc = ctypes.CDLL(None, use_errno=True); r = ${call}; print(r, ctypes.get_errno())`
      return (await exec(a, python(code))).stdout.trim()
    }
    expect(await errnoOf('libc.ptrace(16, 1, 0, 0)')).toBe('-1 1') // PTRACE_ATTACH to pid 1: EPERM
    expect(await errnoOf('libc.ptrace(0, 0, 0, 0)')).toBe('-1 1') // PTRACE_TRACEME: EPERM
    expect(await errnoOf('libc.mount(b"none", b"/tmp", b"tmpfs", 0, None)')).toBe('-1 1')
    expect(await errnoOf('libc.unshare(0x10000000)')).toBe('-1 1') // CLONE_NEWUSER
    const status = await exec(a, 'grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status')
    expect(status.stdout).toMatch(/CapEff:\s+0{16}/)
    expect(status.stdout).toMatch(/CapBnd:\s+0{16}/)
    expect(status.stdout).toMatch(/NoNewPrivs:\s+1/)
    expect(status.stdout).toMatch(/Seccomp:\s+2/)
  })

  it('cannot write outside the workspace and home', async () => {
    for (const path of ['/usr/x', '/etc/x', '/x', '/opt/agent-ops/app/x', '/run/agent-ops/x', '/var/x']) {
      expect((await exec(a, `touch ${path}`)).exitCode, path).not.toBe(0)
    }
    expect((await exec(a, 'touch /workspace/ok /home/agent/ok /tmp/ok')).exitCode).toBe(0)
  })

  it('a session’s tokens are refused on another session’s control socket: the socket names the session', async () => {
    // A's runner's own tokens, as code in A could read them.
    const environ = await exec(a, "tr '\\0' '\\n' < /proc/2/environ")
    const controlToken = environ.stdout.match(/^AGENT_OPS_CONTROL_TOKEN=(.+)$/m)?.[1]
    const llmToken = environ.stdout.match(/"apiKey":"(aops_llm_[^"]+)"/)?.[1]
    expect(controlToken).toMatch(/^aops_ctl_/)
    expect(llmToken).toMatch(/^aops_llm_/)
    const socketOfB = join(t.sandboxDir!, b, 'control', 'control.sock')
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`ws+unix://${socketOfB}:/internal/runner`, {
        headers: { authorization: `Bearer ${controlToken}` },
      })
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
      ws.once('open', () => {
        ws.close()
        resolve(101)
      })
      ws.once('error', reject)
    })
    expect(status).toBe(401)
    const llm = await unixRequest(socketOfB, '/llm/openai-compatible/chat/completions', `Bearer ${llmToken}`)
    expect(llm).toBe(401)
    const api = await unixRequest(socketOfB, '/api/sessions', `Bearer ${llmToken}`)
    expect(api).toBe(404) // nothing but the runner hub and the LLM proxy is served on a control socket
  })

  it('sees only its own processes, all of them under an unprivileged host uid', async () => {
    const ps = await exec(a, 'ps -eo pid,user,args')
    expect(ps.stdout).not.toContain('http.server')
    expect(ps.stdout).not.toContain('vitest')
    expect((await exec(b, 'ps -eo args')).stdout).toContain('http.server') // positive control
    const uids = hostUidsOf(a)
    expect(uids.length).toBeGreaterThan(0)
    for (const uid of uids) expect(uid).toBeGreaterThanOrEqual(900_000)
    expect(new Set([...uids, ...hostUidsOf(b)]).size).toBe(2) // one uid per session, never shared
  })
})

describe('what the sandbox does share with the host', () => {
  it('the dynamic linker’s cache, so libraries outside the default paths load', async () => {
    const inside = await exec(a, '/sbin/ldconfig -p')
    expect(inside.exitCode, inside.stderr).toBe(0)
    const host = execFileSync('/sbin/ldconfig', ['-p'], { encoding: 'utf8' })
    expect(inside.stdout.split('\n')[0]).toBe(host.split('\n')[0]) // "N libs found in cache `/etc/ld.so.cache'"
  })
})

describe('limits contain one session while its neighbour and the server keep working', () => {
  it('a fork bomb hits the process limit and is reported', async () => {
    const after = (await t.client.sessions.get(a)).lastEventSeq
    const bomb = await exec(
      a,
      python(
        'import os, time\nn = 0\nwhile True:\n  try:\n    pid = os.fork()\n  except OSError as e:\n    print("refused after", n, e.strerror); break\n  if pid == 0:\n    time.sleep(3); os._exit(0)\n  n += 1',
      ),
    )
    expect(bomb.stdout).toMatch(/refused after \d+ Resource temporarily unavailable/)
    const events = await collectEvents(t.client, a, (e) => e.type === 'sandbox.limit', { after })
    expect(ofType(events, 'sandbox.limit')[0]?.data.limit).toBe('pids')
    await neighbourStillWorks()
  })

  it('allocating 4x the memory limit gets OOM-killed and is reported', async () => {
    const after = (await t.client.sessions.get(a)).lastEventSeq
    const hog = await exec(a, python(`b = bytearray(${4 * limits.memory}); print("allocated")`))
    expect(hog.stdout).not.toContain('allocated')
    expect(hog.exitCode).not.toBe(0)
    const events = await collectEvents(t.client, a, (e) => e.type === 'sandbox.limit', { after })
    expect(ofType(events, 'sandbox.limit')[0]?.data.limit).toBe('memory')
    await neighbourStillWorks()
  })

  it('a disk-filling loop stops at the quota and is reported', async () => {
    const after = (await t.client.sessions.get(a)).lastEventSeq
    const fill = await exec(
      a,
      'i=0; while dd if=/dev/zero of=/workspace/fill-$i bs=1M count=16 2>&1; do i=$((i+1)); done',
      60_000,
    )
    expect(fill.stdout).toContain('No space left on device')
    const events = await collectEvents(t.client, a, (e) => e.type === 'sandbox.limit', { after })
    expect(ofType(events, 'sandbox.limit')[0]?.data.limit).toBe('disk')
    await exec(a, 'rm -f /workspace/fill-*')
    await neighbourStillWorks()
  })
})

async function neighbourStillWorks() {
  expect((await t.client.health()).status).toBe('ok')
  const before = (await t.client.sessions.get(b)).lastEventSeq
  await t.client.sessions.send(b, { text: 'are you still alive?' })
  const events = await collectEvents(
    t.client,
    b,
    (e) => e.type === 'agent.status' && e.data.status === 'idle',
    {
      after: before,
      timeoutMs: 120_000,
    },
  )
  expect(ofType(events, 'text.done').at(-1)?.data.text).toBe('B is still working.')
}

function unixRequest(socketPath: string, path: string, authorization: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'POST', headers: { authorization } }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.once('error', reject)
    req.end('{}')
  })
}

/** Host uids of the processes in a session's sandbox: those whose cgroup (v1 or v2) is the session's. */
function hostUidsOf(sessionId: string): number[] {
  const uids = new Set<number>()
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (!readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(`/${sessionId}\n`)) continue
      const status = readFileSync(`/proc/${pid}/status`, 'utf8')
      uids.add(Number(status.match(/^Uid:\s+(\d+)/m)?.[1]))
    } catch {
      // Exited meanwhile.
    }
  }
  return [...uids]
}
