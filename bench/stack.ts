import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient, signInWithPassword } from '@agent-ops/sdk'
import { type ConfigInput, serve } from '@agent-ops/server'
import type { ScriptedModel } from '@agent-ops/testkit'
import { now, type SeenEvent, startViewer } from './viewer.ts'

const owner = { email: 'bench@example.test', password: 'bench password 0123456789', name: 'Bench' }

/**
 * The whole stack in this process: server, runner and OpenCode per session, with the scripted model. Sessions
 * run in bubblewrap sandboxes when this machine can isolate them (as root), as the product does.
 */
export async function startStack(model: ScriptedModel, config: ConfigInput = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'aops-bench-'))
  const sandboxDir = mkdtempSync(join(tmpdir(), 'aops-bench-sandboxes-'))
  const server = await serve({
    port: 0,
    dataDir,
    logLevel: 'warn',
    openaiCompatibleUrl: model.openaiBaseUrl,
    defaultModel: `openai-compatible/${model.modelId}`,
    sandboxDir,
    idleTimeoutMs: 0,
    // The floor (bare OpenCode) may use every core; so may the sandbox here, or on a machine of more than two cores
    // the comparison would measure the operator's CPU limit (2 cores by default) instead of the stack's overhead.
    sandboxCpuMillicores: cpus().length * 1000,
    ...config,
  })
  // The first account is the team's owner; an API key of its acts for the benchmark.
  const { cookie } = await signInWithPassword(server.url, owner, { signUp: true })
  const { key: token } = await createClient({ baseUrl: server.url, cookie }).keys.create({
    name: 'bench',
    scopes: ['read', 'write', 'admin'],
    expiresInDays: null,
  })
  const client = createClient({ baseUrl: server.url, token })
  const { follow, close: closeViewer } = await startViewer(server.url, token)

  /**
   * Resolves once the session reaches `status` after event `after`, as a viewer sees it: the event's sequence,
   * and `at`, when the viewer read it (now()).
   */
  function reach(sessionId: string, status: string, after = 0): Promise<SeenEvent> {
    return new Promise((resolve) => {
      // From `after` on: a resume's viewer does not read the earlier turns again while it is being timed.
      const stop = follow(
        sessionId,
        (event) => {
          if (event.type === 'session.status' && event.status === status) {
            stop()
            resolve(event)
          }
        },
        after,
      )
    })
  }

  return {
    server,
    client,
    token,
    reach,
    /** POST /api/sessions to the session being ready (agent up), as a viewer following it sees it. */
    async measureSessionReady(): Promise<number> {
      const started = now()
      const session = await client.sessions.create({ prompt: 'hello' })
      const { at } = await reach(session.id, 'ready')
      await client.sessions.stop(session.id)
      return at - started
    },

    /** A ready session, its first turn done, with a viewer attached: prompt -> first text delta at the viewer. */
    async openSession() {
      let onDelta: ((at: number) => void) | undefined
      let onReady: (() => void) | undefined
      const session = await client.sessions.create({ prompt: 'hello' })
      const firstTurn = new Promise<void>((resolve) => (onReady = resolve))
      let seenText = false
      const stop = follow(session.id, (event) => {
        if (event.type === 'text.delta') {
          seenText = true
          onDelta?.(event.at)
        }
        if (event.type === 'session.status' && event.status === 'ready' && seenText) onReady?.()
      })
      await firstTurn
      return {
        async firstToken(text: string): Promise<number> {
          seenText = false
          // The first delta only: the viewer reports every one.
          const delta = new Promise<number>((resolve) => {
            onDelta = (at) => {
              onDelta = undefined
              resolve(at)
            }
          })
          const ready = new Promise<void>((resolve) => (onReady = resolve))
          const started = now()
          await client.sessions.send(session.id, { text })
          const at = await delta
          await ready
          return at - started
        },
        async close() {
          stop()
          await client.sessions.stop(session.id)
        },
      }
    },

    async close() {
      const { sessions } = await client.sessions.list()
      await Promise.all(sessions.filter((s) => s.status !== 'stopped').map((s) => client.sessions.stop(s.id)))
      await closeViewer()
      await server.close()
      rmSync(dataDir, { recursive: true, force: true })
      rmSync(sandboxDir, { recursive: true, force: true })
    },
  }
}
