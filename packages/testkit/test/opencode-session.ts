// Drives one prompt through a running OpenCode the way the runner does: POST /session, prompt_async, follow
// GET /event until the session is idle, then read GET /session/:id/message.
import type { RunningOpenCode } from '../src/index.ts'
import { sseMessages } from './sse.ts'

export type OpenCodePart = {
  type: string
  text?: string
  tool?: string
  state?: { status: string; input?: Record<string, unknown>; output?: string }
}
export type OpenCodeMessage = { info: { role: string; error?: unknown }; parts: OpenCodePart[] }

type BusEvent = {
  type: string
  properties: { sessionID?: string; status?: { type: string }; error?: unknown }
}

export async function promptAndWait(
  opencode: RunningOpenCode,
  text: string,
  model = { providerID: 'testkit', modelID: 'scripted-model' },
  timeoutMs = 45_000,
): Promise<{ sessionID: string; messages: OpenCodeMessage[] }> {
  const headers = { authorization: opencode.authorization, 'content-type': 'application/json' }
  const api = async (path: string, body?: unknown) => {
    const init = body === undefined ? { headers } : { method: 'POST', headers, body: JSON.stringify(body) }
    const response = await fetch(opencode.url + path, init)
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`)
    return response.status === 204 ? undefined : response.json()
  }
  const stop = new AbortController()
  const timer = setTimeout(() => stop.abort(new Error(`session not idle after ${timeoutMs} ms`)), timeoutMs)
  try {
    // Subscribe before prompting: the event stream has no replay.
    const events = sseMessages(await fetch(`${opencode.url}/event`, { headers, signal: stop.signal }))
    await events.next() // server.connected
    const { id: sessionID } = (await api('/session', {})) as { id: string }
    await api(`/session/${sessionID}/prompt_async`, { parts: [{ type: 'text', text }], model })
    for await (const message of events) {
      const event = JSON.parse(message.data) as BusEvent
      if (event.properties.sessionID !== sessionID) continue
      if (event.type === 'session.error')
        throw new Error(`session.error: ${JSON.stringify(event.properties.error)}`)
      const idle = event.type === 'session.idle' || event.properties.status?.type === 'idle'
      if (idle)
        return { sessionID, messages: (await api(`/session/${sessionID}/message`)) as OpenCodeMessage[] }
    }
    throw new Error('OpenCode closed its event stream')
  } finally {
    clearTimeout(timer)
    stop.abort()
  }
}

export function toolParts(messages: OpenCodeMessage[]): OpenCodePart[] {
  return messages.flatMap((m) => m.parts.filter((p) => p.type === 'tool'))
}

export function assistantText(messages: OpenCodeMessage[]): string {
  return messages
    .filter((m) => m.info.role === 'assistant')
    .flatMap((m) => m.parts.filter((p) => p.type === 'text').map((p) => p.text ?? ''))
    .join('\n')
}
