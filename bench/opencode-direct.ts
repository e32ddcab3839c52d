import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type RunningOpenCode,
  type ScriptedModel,
  scriptedModelConfig,
  startOpenCode,
} from '@agent-ops/testkit'
import { createParser } from 'eventsource-parser'

/** A new session of a bare OpenCode, for `directory` (the first request naming it sets its instance up). */
async function createSession(opencode: RunningOpenCode, directory: string): Promise<string> {
  const response = await fetch(`${opencode.url}/session?directory=${encodeURIComponent(directory)}`, {
    method: 'POST',
    headers: { authorization: opencode.authorization, 'content-type': 'application/json' },
    body: '{}',
  })
  if (!response.ok) throw new Error(`bare OpenCode refused a session: HTTP ${response.status}`)
  return ((await response.json()) as { id: string }).id
}

/**
 * Bare `opencode serve` in a fresh directory: to healthy (`startMs`, the floor every session start is compared
 * with), then to its first session (`firstSessionMs`: OpenCode sets up its instance for the directory on the first
 * request naming it, after it reports healthy; every new OpenCode process pays it, in a sandbox or not).
 */
export async function measureOpenCodeStart(
  model: ScriptedModel,
): Promise<{ startMs: number; firstSessionMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'aops-bench-oc-'))
  const started = performance.now()
  const opencode = await startOpenCode({ directory: dir, config: scriptedModelConfig(model) })
  const startMs = performance.now() - started
  const healthy = performance.now()
  await createSession(opencode, dir)
  const firstSessionMs = performance.now() - healthy
  await opencode.stop()
  rmSync(dir, { recursive: true, force: true })
  return { startMs, firstSessionMs }
}

/**
 * Bare OpenCode started twice on the same home and directory, as a hibernated session's is: `startMs` is the first
 * (fresh) start to healthy, the floor; `reopenSessionMs` is the second start's healthy to its earlier session
 * answered (`GET /session/:id`), what OpenCode itself needs after the floor when a session resumes.
 */
export async function measureOpenCodeRestart(
  model: ScriptedModel,
): Promise<{ startMs: number; reopenSessionMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'aops-bench-oc-'))
  const home = mkdtempSync(join(tmpdir(), 'aops-bench-oc-home-'))
  const config = scriptedModelConfig(model)
  try {
    const started = performance.now()
    const first = await startOpenCode({ directory: dir, config, home })
    const startMs = performance.now() - started
    const id = await createSession(first, dir)
    await first.stop()
    const again = await startOpenCode({ directory: dir, config, home })
    const healthy = performance.now()
    const reopened = await fetch(`${again.url}/session/${id}?directory=${encodeURIComponent(dir)}`, {
      headers: { authorization: again.authorization },
    })
    if (!reopened.ok) throw new Error(`bare OpenCode lost its session: HTTP ${reopened.status}`)
    await reopened.body?.cancel()
    const reopenSessionMs = performance.now() - healthy
    await again.stop()
    return { startMs, reopenSessionMs }
  } finally {
    rmSync(dir, { recursive: true, force: true })
    rmSync(home, { recursive: true, force: true })
  }
}

/** One OpenCode driven straight over its HTTP API: prompt -> first assistant text delta on its event stream. */
export async function openDirectAgent(model: ScriptedModel) {
  const dir = mkdtempSync(join(tmpdir(), 'aops-bench-direct-'))
  const opencode = await startOpenCode({ directory: dir, config: scriptedModelConfig(model) })
  const headers = { authorization: opencode.authorization, 'content-type': 'application/json' }
  const session = (await (
    await fetch(`${opencode.url}/session`, { method: 'POST', headers, body: '{}' })
  ).json()) as { id: string }
  const abort = new AbortController()
  const events = await fetch(`${opencode.url}/event`, { headers, signal: abort.signal })
  // Both waiters are set before a prompt is sent: a short turn's delta and idle can arrive in one chunk.
  let onDelta: (() => void) | undefined
  let onIdle: (() => void) | undefined
  const parser = createParser({
    onEvent: (message) => {
      const event = JSON.parse(message.data) as {
        type: string
        properties?: { sessionID?: string; field?: string }
      }
      if (event.properties?.sessionID !== session.id) return
      if (event.type === 'message.part.delta' && event.properties?.field === 'text') onDelta?.()
      if (event.type === 'session.idle') onIdle?.()
    },
  })
  void (async () => {
    const reader = events.body!.pipeThrough(new TextDecoderStream()).getReader()
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }))
      if (done) return
      parser.feed(value)
    }
  })()

  return {
    /** Sends a prompt; returns ms to the first text delta, after waiting for the turn to end. */
    async firstToken(text: string): Promise<number> {
      const delta = new Promise<void>((resolve) => (onDelta = resolve))
      const idle = new Promise<void>((resolve) => (onIdle = resolve))
      const started = performance.now()
      await fetch(`${opencode.url}/session/${session.id}/prompt_async`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          parts: [{ type: 'text', text }],
          model: { providerID: 'testkit', modelID: model.modelId },
        }),
      })
      await delta
      const elapsed = performance.now() - started
      await idle
      return elapsed
    },
    async close() {
      abort.abort()
      await opencode.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
