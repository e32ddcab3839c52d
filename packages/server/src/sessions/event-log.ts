import type { SessionEvent, SessionEventBody } from '@agent-ops/protocol'
import type { Db } from '../db/database.ts'
import { notFound } from '../errors.ts'
import type { EventBus } from '../realtime/pubsub.ts'
import type { SessionRow, SessionUpdate } from './session-store.ts'

export type AppendOptions = {
  /** For runner events: stored at most once per (runnerId, seq). */
  runner?: { runnerId: string; seq: number }
  /** Changes to the session row made in the same transaction as the event (status, usage...). */
  update?: (current: SessionRow) => SessionUpdate
}

/**
 * The session's append-only event log. Each event gets the next per-session sequence number in the same
 * transaction that applies its effect on the session row, then is published to live subscribers.
 */
export class EventLog {
  readonly #db: Db
  readonly #bus: EventBus
  constructor(db: Db, bus: EventBus) {
    this.#db = db
    this.#bus = bus
  }

  /** Returns the stored event, or undefined when it was a runner event already stored (a resend). */
  async append(
    sessionId: string,
    body: SessionEventBody,
    options: AppendOptions = {},
  ): Promise<SessionEvent | undefined> {
    const at = new Date().toISOString()
    const event = await this.#db.transaction().execute(async (trx) => {
      const current = await trx
        .selectFrom('sessions')
        .selectAll()
        .where('id', '=', sessionId)
        .executeTakeFirst()
      if (!current) throw notFound(`session ${sessionId}`)
      const { runner } = options
      if (runner && current.runner_id === runner.runnerId && runner.seq <= current.runner_seq)
        return undefined
      const seq = current.last_seq + 1
      await trx
        .insertInto('session_events')
        .values({
          session_id: sessionId,
          seq,
          type: body.type,
          data: JSON.stringify(body.data),
          created_at: at,
        })
        .execute()
      await trx
        .updateTable('sessions')
        .set({
          ...options.update?.(current),
          last_seq: seq,
          updated_at: at,
          ...(runner ? { runner_id: runner.runnerId, runner_seq: runner.seq } : {}),
        })
        .where('id', '=', sessionId)
        .execute()
      return { ...body, seq, at } as SessionEvent
    })
    if (event) this.#bus.publish(sessionId, event)
    return event
  }

  /** Events with seq > afterSeq, in order, at most `limit`. */
  async read(sessionId: string, afterSeq: number, limit = 1000): Promise<SessionEvent[]> {
    const rows = await this.#db
      .selectFrom('session_events')
      .select(['seq', 'type', 'data', 'created_at'])
      .where('session_id', '=', sessionId)
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute()
    return rows.map(
      (row) =>
        ({ type: row.type, data: JSON.parse(row.data), seq: row.seq, at: row.created_at }) as SessionEvent,
    )
  }
}
