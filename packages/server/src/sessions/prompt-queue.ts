import type { MessageMode, QueuedMessage } from '@agent-ops/protocol'
import type { Db } from '../db/database.ts'

/**
 * The persistent prompt queue: messages wait here until the agent is idle, so none is lost if the server dies.
 * Steer messages go before follow-ups.
 */
export class PromptQueue {
  readonly #db: Db
  constructor(db: Db) {
    this.#db = db
  }

  async enqueue(m: {
    id: string
    sessionId: string
    text: string
    mode: MessageMode
    authorId: string
  }): Promise<void> {
    await this.#db
      .insertInto('session_messages')
      .values({
        id: m.id,
        session_id: m.sessionId,
        text: m.text,
        mode: m.mode,
        priority: m.mode === 'steer' ? 0 : 1,
        status: 'queued',
        author_id: m.authorId,
        created_at: new Date().toISOString(),
        dispatched_at: null,
      })
      .execute()
  }

  async queued(sessionId: string): Promise<QueuedMessage[]> {
    const rows = await this.#db
      .selectFrom('session_messages')
      .select(['id', 'text', 'mode'])
      .where('session_id', '=', sessionId)
      .where('status', '=', 'queued')
      .orderBy('priority')
      .orderBy('created_at')
      .orderBy('id')
      .execute()
    return rows.map((r) => ({ messageId: r.id, text: r.text, mode: r.mode as MessageMode }))
  }

  async markDispatched(messageId: string): Promise<void> {
    await this.#db
      .updateTable('session_messages')
      .set({ status: 'dispatched', dispatched_at: new Date().toISOString() })
      .where('id', '=', messageId)
      .execute()
  }

  async cancelAll(sessionId: string): Promise<void> {
    await this.#db
      .updateTable('session_messages')
      .set({ status: 'cancelled' })
      .where('session_id', '=', sessionId)
      .where('status', '=', 'queued')
      .execute()
  }
}
