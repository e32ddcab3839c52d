import { execFileSync, spawnSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { AgentEvent } from '@agent-ops/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type Harness,
  INTEGRATION_TIMEOUT_MS,
  isAlive,
  isStatus,
  READY_TIMEOUT_MS,
  startHarness,
} from './helpers/harness.ts'

let h: Harness | undefined
afterEach(async () => {
  await h?.cleanup()
  h = undefined
})

const script = {
  exchanges: [
    {
      match: 'make a file',
      steps: [
        {
          toolCalls: [
            {
              name: 'bash',
              arguments: { command: 'echo hello > notes.txt && cat notes.txt', description: 'create' },
            },
          ],
        },
        {
          toolCalls: [
            {
              name: 'edit',
              arguments: { filePath: '$WORKSPACE/notes.txt', oldString: 'hello', newString: 'goodbye' },
            },
          ],
        },
        { text: 'All done, the file now says goodbye.' },
      ],
    },
  ],
}

describe('a turn through the real runner and OpenCode', () => {
  it('runs the tools, edits the file and reports the turn in order', {
    timeout: INTEGRATION_TIMEOUT_MS,
  }, async () => {
    h = await startHarness({ script })
    // A git repository, so OpenCode can report the changed files.
    execFileSync('git', ['init', '-q'], { cwd: h.runner.workspace })
    const from = await h.waitFor((e) => e.type === 'agent.ready', 0, READY_TIMEOUT_MS)
    h.server.prompt('please make a file')
    await h.waitFor(isStatus('idle'), from)

    expect(await readFile(join(h.runner.workspace, 'notes.txt'), 'utf8')).toBe('goodbye\n')
    const events = h.server.events()
    for (const event of events) expect(AgentEvent.safeParse(event).success).toBe(true)
    expect(h.server.gaps).toEqual([])
    expect(h.server.refused).toBe(0)

    let at = 0
    const next = (what: string, predicate: (e: AgentEvent) => boolean) => {
      const found = events.findIndex((e, i) => i >= at && predicate(e))
      expect(found, `${what} missing after event ${at}`).toBeGreaterThanOrEqual(0)
      at = found + 1
      return events[found]
    }
    const tool = (name: string, status: string) => (e: AgentEvent) =>
      e.type === 'tool.updated' && e.data.tool === name && e.data.status === status
    expect(next('agent.ready', (e) => e.type === 'agent.ready')).toEqual({
      type: 'agent.ready',
      data: { agentVersion: '1.18.33' },
    })
    next('busy', isStatus('busy'))
    next('bash running', tool('bash', 'running'))
    expect(next('bash completed', tool('bash', 'completed'))).toMatchObject({
      data: { output: 'hello\n', input: { command: 'echo hello > notes.txt && cat notes.txt' } },
    })
    next('edit completed', tool('edit', 'completed'))
    next('text.delta', (e) => e.type === 'text.delta')
    expect(next('text.done', (e) => e.type === 'text.done')).toMatchObject({
      data: { text: 'All done, the file now says goodbye.' },
    })
    next('usage', (e) => e.type === 'usage')
    next('idle', isStatus('idle'))

    const streamed = events.map((e) => (e.type === 'text.delta' ? e.data.delta : '')).join('')
    expect(streamed).toBe('All done, the file now says goodbye.')
    expect(JSON.stringify(events)).not.toContain('please make a file')
    // OpenCode computes the turn's diff from its snapshots beside the turn (git, in its own time): it usually comes
    // before idle, but on a loaded machine it can come after it.
    await h.waitFor((e) => e.type === 'files.changed', from)
    const changed = h.server
      .events()
      .filter((e) => e.type === 'files.changed')
      .at(-1)
    expect(changed?.type === 'files.changed' && changed.data.files.map((f) => f.path)).toEqual(['notes.txt'])
  })

  it('keeps the control token away from OpenCode, and stops it on SIGTERM', {
    timeout: INTEGRATION_TIMEOUT_MS,
  }, async () => {
    h = await startHarness({ script })
    await h.waitFor((e) => e.type === 'agent.ready', 0, READY_TIMEOUT_MS)
    const pid = await h.runner.opencodePid()
    if (pid === undefined) throw new Error('no opencode.pid written')
    const environ = await readFile(`/proc/${pid}/environ`, 'utf8')
    const variables = environ.split('\0')
    expect(variables.filter((v) => v.startsWith('AGENT_OPS_'))).toEqual([])
    expect(environ).not.toContain(h.server.token)
    expect(variables.some((v) => v.startsWith('OPENCODE_CONFIG_CONTENT='))).toBe(true)
    expect(variables.find((v) => v.startsWith('XDG_DATA_HOME='))).toBe(
      `XDG_DATA_HOME=${h.runner.stateDir}/data`,
    )
    // Nor in any config file OpenCode could read.
    const grep = spawnSync('grep', ['-rl', h.server.token, h.runner.root], { encoding: 'utf8' })
    expect(grep.stdout).toBe('')
    expect(h.runner.logs()).not.toContain(h.server.token)

    h.runner.child.kill('SIGTERM')
    expect(await h.runner.exited).toBe(0)
    expect(isAlive(pid)).toBe(false)
  })
})
