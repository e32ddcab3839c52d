import {
  createOpencodeClient,
  type Event,
  type Message,
  type OpencodeClient,
  type Part,
  type PermissionRequest,
  type QuestionRequest,
  type SessionStatus,
} from '@opencode-ai/sdk/v2/client'

/**
 * The few OpenCode server calls the runner makes, through the official SDK's generated client (paths and
 * payloads follow the running server's OpenAPI document).
 */

export type OpencodeMessage = { info: Message; parts: Part[] }
export type ModelChoice = { providerID: string; modelID: string }
export type PermissionReply = 'once' | 'always' | 'reject'

export type OpencodeApi = {
  sessionExists(sessionId: string): Promise<boolean>
  createSession(): Promise<string>
  promptAsync(sessionId: string, text: string, model: ModelChoice): Promise<void>
  abort(sessionId: string): Promise<void>
  /** The session's messages, oldest first; with `limit`, only the latest ones. */
  messages(sessionId: string, opts?: { limit?: number }): Promise<OpencodeMessage[]>
  statuses(): Promise<Record<string, SessionStatus>>
  pendingPermissions(): Promise<PermissionRequest[]>
  pendingQuestions(): Promise<QuestionRequest[]>
  replyPermission(requestId: string, reply: PermissionReply): Promise<void>
  rejectQuestion(requestId: string): Promise<void>
  /** One SSE connection to GET /event; ends when the stream does (no automatic reconnect). */
  events(signal: AbortSignal): Promise<AsyncIterable<Event>>
}

/** Per-call option: errors throw (with the server's message) instead of coming back as values. */
const strict = { throwOnError: true } as const

export function createOpencodeApi(opts: {
  url: string
  authorization: string
  directory: string
}): OpencodeApi {
  const client: OpencodeClient = createOpencodeClient({
    baseUrl: opts.url,
    headers: { authorization: opts.authorization },
    directory: opts.directory,
  })
  return {
    async sessionExists(sessionId) {
      const result = await client.session.get({ sessionID: sessionId }, { throwOnError: false })
      if (result.response?.ok) return true
      if (result.response?.status === 404) return false
      throw new Error(
        `cannot look up OpenCode session ${sessionId}: ${result.response?.status ?? 'no response'}`,
      )
    },
    async createSession() {
      const { data } = await client.session.create({}, strict)
      return data.id
    },
    async promptAsync(sessionId, text, model) {
      await client.session.promptAsync(
        { sessionID: sessionId, parts: [{ type: 'text', text }], model },
        strict,
      )
    },
    async abort(sessionId) {
      await client.session.abort({ sessionID: sessionId }, strict)
    },
    async messages(sessionId, opts) {
      const { data } = await client.session.messages({ sessionID: sessionId, limit: opts?.limit }, strict)
      return data
    },
    async statuses() {
      const { data } = await client.session.status({}, strict)
      return data
    },
    async pendingPermissions() {
      const { data } = await client.permission.list({}, strict)
      return data
    },
    async pendingQuestions() {
      const { data } = await client.question.list({}, strict)
      return data
    },
    async replyPermission(requestId, reply) {
      await client.permission.reply({ requestID: requestId, reply }, strict)
    },
    async rejectQuestion(requestId) {
      await client.question.reject({ requestID: requestId }, strict)
    },
    async events(signal) {
      // One attempt only: the caller reconnects itself, because every reconnect needs a reconciliation.
      const { stream } = await client.event.subscribe({}, { signal, sseMaxRetryAttempts: 1 })
      return stream as AsyncIterable<Event>
    },
  }
}

/** "provider/model" -> OpenCode's model choice (the model id may itself contain slashes). */
export function parseModelRef(ref: string): ModelChoice {
  const slash = ref.indexOf('/')
  return { providerID: ref.slice(0, slash), modelID: ref.slice(slash + 1) }
}
