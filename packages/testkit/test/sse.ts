// Reads a text/event-stream response into messages, with the eventsource-parser the SDK also uses.
import { type EventSourceMessage, EventSourceParserStream } from 'eventsource-parser/stream'

export async function* sseMessages(response: Response): AsyncGenerator<EventSourceMessage> {
  if (!response.body) throw new Error(`response ${response.status} has no body`)
  const messages = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream())
  for await (const message of messages) yield message
}

export async function readSse(response: Response): Promise<EventSourceMessage[]> {
  const all: EventSourceMessage[] = []
  for await (const message of sseMessages(response)) all.push(message)
  return all
}

export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  })
}

/** Polls until `check` holds, for effects that happen shortly after an event (e.g. a stream ending). */
export async function eventually(check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
