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

  /** The message's state, or undefined when the session has no such message. */
  async find(
    sessionId: string,
    messageId: string,
  ): Promise<{ status: 'queued' | 'dispatched' | 'cancelled'; text: string; mode: MessageMode } | undefined> {
    const row = await this.#db
      .selectFrom('session_messages')
      .select(['status', 'text', 'mode'])
      .where('session_id', '=', sessionId)
      .where('id', '=', messageId)
      .executeTakeFirst()
    return row && { status: row.status, text: row.text, mode: row.mode as MessageMode }
  }

  /**
   * Changes a message's text if it is still queued; false when it is not. Conditional in the database as well,
   * so the answer is right even if the message left the queue after it was last read.
   */
  async editQueued(messageId: string, text: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('session_messages')
      .set({ text })
      .where('id', '=', messageId)
      .where('status', '=', 'queued')
      .executeTakeFirst()
    return result.numUpdatedRows > 0n
  }

  /** Removes a message from the queue if it is still queued; false when it is not. */
  async cancelQueued(messageId: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('session_messages')
      .set({ status: 'cancelled' })
      .where('id', '=', messageId)
      .where('status', '=', 'queued')
      .executeTakeFirst()
    return result.numUpdatedRows > 0n
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
