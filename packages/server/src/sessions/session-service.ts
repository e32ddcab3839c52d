import {
  type CreateSessionInput,
  CreateSessionInput as CreateSessionSchema,
  type EditQueuedMessageInput,
  EditQueuedMessageInput as EditQueuedMessageSchema,
  type QueuedMessage,
  type SendMessageInput,
  type SendMessageResult,
  SendMessageInput as SendMessageSchema,
  type Session,
  type SessionStatus,
} from '@agent-ops/protocol'
import { generateToken, hashToken } from '../auth/tokens.ts'
import { conflict, DomainError, unavailable } from '../errors.ts'
import { newId } from '../ids.ts'
import type { ModelCatalog } from '../llm/model-catalog.ts'
import { noProviderMessage } from '../llm/providers.ts'
import type { Logger } from '../logger.ts'
import type { Admission } from './admission.ts'
import type { Dispatcher } from './dispatcher.ts'
import type { EventLog } from './event-log.ts'
import { decideMessage } from './lifecycle.ts'
import { type Actor, type RunnerLinks, systemActor } from './ports.ts'
import type { PromptQueue } from './prompt-queue.ts'
import type { SandboxControl } from './sandbox-control.ts'
import type { SessionFilter, SessionStore } from './session-store.ts'
import type { Transitions } from './transitions.ts'

export type SessionServiceDeps = {
  store: SessionStore
  queue: PromptQueue
  log: EventLog
  transitions: Transitions
  dispatcher: Dispatcher
  sandbox: SandboxControl
  runners: RunnerLinks
  catalog: ModelCatalog
  secretKey: Buffer
  sandboxProvider: string
  defaults: { permissionPolicy: 'allow' | 'deny' }
  admission: Admission
  /** Claims a pre-started sandbox for a new session; false when none is available. */
  claimWarm?: (sessionId: string) => Promise<boolean>
  /** Set when sandboxes cannot be isolated here and the server was not told to run without isolation. */
  isolationProblem?: string
  logger: Logger
}

/** The session operations the API offers. Knows nothing of HTTP; throws DomainErrors. */
export class SessionService {
  readonly #d: SessionServiceDeps

  constructor(deps: SessionServiceDeps) {
    this.#d = deps
  }

  list(limit: number, filter?: SessionFilter): Promise<Session[]> {
    return this.#d.store.list(limit, filter)
  }

  get(id: string): Promise<Session> {
    return this.#d.store.get(id)
  }

  /** Starts a session owned by `actor` in organization `orgId`. */
  async create(raw: CreateSessionInput, actor: Actor, orgId: string | null = null): Promise<Session> {
    const input = CreateSessionSchema.parse(raw)
    const { store, log, queue, catalog, secretKey, isolationProblem } = this.#d
    if (isolationProblem) throw unavailable(isolationProblem)
    if (!catalog.hasProviders) throw new DomainError('no_provider', noProviderMessage)
    const model = await this.#resolveModel(input.model)
    const id = newId('ses')
    const now = new Date().toISOString()
    const messageId = newId('msg')
    await this.#d.admission.admit(actor.id, async () => {
      // Real tokens are minted when the runner is launched; until then the hashes match no token at all.
      await store.insert({
        id,
        title: input.title ?? titleFrom(input.prompt),
        model,
        permissionPolicy: input.permissionPolicy ?? this.#d.defaults.permissionPolicy,
        controlTokenHash: hashToken(secretKey, generateToken('unused')),
        llmTokenHash: hashToken(secretKey, generateToken('unused')),
        sandboxProvider: this.#d.sandboxProvider,
        ownerId: actor.id === systemActor.id ? null : actor.id,
        orgId,
        now,
      })
      await queue.enqueue({
        id: messageId,
        sessionId: id,
        text: input.prompt,
        mode: 'followup',
        authorId: actor.id,
      })
    })
    await log.append(id, { type: 'session.status', data: { status: 'pending' } })
    await log.append(id, {
      type: 'message.user',
      data: { messageId, text: input.prompt, mode: 'followup', author: actor },
    })
    await log.append(id, { type: 'queue.updated', data: { queue: await queue.queued(id) } })
    if (!(await this.#d.claimWarm?.(id))) void this.#d.sandbox.boot(id)
    return store.get(id)
  }

  async send(id: string, raw: SendMessageInput, actor: Actor): Promise<SendMessageResult> {
    const input = SendMessageSchema.parse(raw)
    const { store, log, queue, runners, dispatcher } = this.#d
    const row = await store.row(id)
    const decision = decideMessage(row.status as SessionStatus, input.mode)
    if (decision.action === 'reject') throw conflict(`cannot send a message: ${decision.reason}`)
    const resume = row.status === 'hibernated'
    if (resume) await this.#admitWake(actor)
    const messageId = newId('msg')
    await queue.enqueue({
      id: messageId,
      sessionId: id,
      text: input.text,
      mode: input.mode,
      authorId: actor.id,
    })
    await log.append(id, {
      type: 'message.user',
      data: { messageId, text: input.text, mode: input.mode, author: actor },
    })
    await log.append(id, { type: 'queue.updated', data: { queue: await queue.queued(id) } })
    // Steer: abort the turn; the agent's idle report then dispatches this message first.
    if (decision.abortFirst) runners.send(id, { type: 'abort' })
    else if (resume) void this.#d.sandbox.resume(id)
    else void dispatcher.kick(id)
    return { messageId, queued: decision.queued }
  }

  /** Wakes a hibernated session without a message: its agent comes back, ready, with the conversation kept. */
  async resume(id: string, actor: Actor): Promise<Session> {
    const row = await this.#d.store.row(id)
    if (row.status !== 'hibernated')
      throw conflict(`cannot resume: the session is ${row.status}, not hibernated`)
    await this.#admitWake(actor)
    void this.#d.sandbox.resume(id)
    return this.#d.store.get(id)
  }

  /**
   * Waking a session takes its memory back: the machine's budget applies (not the per-person limit, which a person
   * could otherwise never get under by letting sessions hibernate).
   */
  #admitWake(actor: Actor): Promise<void> {
    return this.#d.admission.admit(actor.id, async () => {}, { countsAgainstUser: false })
  }

  /** Changes the text of a message still waiting in the queue (a conflict once the agent has it). */
  editQueued(
    id: string,
    messageId: string,
    raw: EditQueuedMessageInput,
    actor: Actor,
  ): Promise<QueuedMessage> {
    const input = EditQueuedMessageSchema.parse(raw)
    return this.#d.dispatcher.edit(id, messageId, input.text, actor)
  }

  /** Removes a message still waiting in the queue; it is never sent (a conflict once the agent has it). */
  cancelQueued(id: string, messageId: string, actor: Actor): Promise<QueuedMessage> {
    return this.#d.dispatcher.cancel(id, messageId, actor)
  }

  async abort(id: string): Promise<{ aborted: boolean }> {
    const row = await this.#d.store.row(id)
    if (row.status !== 'working') return { aborted: false }
    return { aborted: this.#d.runners.send(id, { type: 'abort' }) }
  }

  /** Stops the session and removes its sandbox. Stopping a stopped session is not an error. */
  async stop(id: string): Promise<Session> {
    const { store, transitions, sandbox, runners, queue, log } = this.#d
    const row = await store.row(id)
    if (row.status === 'stopped') return store.get(id)
    if (!(await transitions.to(id, 'stopping')))
      throw conflict(`session ${id} cannot be stopped while ${row.status}`)
    runners.disconnect(id)
    await sandbox.teardown(id)
    await queue.cancelAll(id)
    await log.append(id, { type: 'queue.updated', data: { queue: [] } })
    await transitions.to(id, 'stopped')
    transitions.disarm(id)
    return store.get(id)
  }

  async #resolveModel(requested: string | undefined): Promise<string> {
    const { catalog } = this.#d
    const list = await catalog.list()
    const model = requested ?? list.defaultModel
    if (!model) {
      const why = list.unavailable.map((u) => u.message).join('; ')
      throw new DomainError(
        'no_provider',
        `No model is available${why ? `: ${why}` : ''}. Set AGENT_OPS_DEFAULT_MODEL.`,
      )
    }
    const provider = model.split('/')[0] ?? ''
    if (!catalog.provider(provider)) {
      throw new DomainError('unknown_model', `model provider "${provider}" is not configured on this server`)
    }
    const listed = list.models.some((m) => m.provider === provider)
    if (listed && !list.models.some((m) => m.id === model)) {
      throw new DomainError(
        'unknown_model',
        `unknown model "${model}"; GET /api/models lists the available ones`,
      )
    }
    return model
  }
}

function titleFrom(prompt: string): string {
  const line = prompt.split('\n').find((l) => l.trim()) ?? prompt
  const trimmed = line.trim()
  return trimmed.length > 80 ? `${trimmed.slice(0, 77)}...` : trimmed
}
