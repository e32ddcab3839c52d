// Test fixture shared by the unit tests of what reads the event log (SSE, the log document): a fresh SQLite
// database holding one session, and its EventLog on an in-process bus.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type OpenedDatabase, openDatabase } from '../db/database.ts'
import { InProcessEventBus } from '../realtime/pubsub.ts'
import { EventLog } from './event-log.ts'
import { SessionStore } from './session-store.ts'

export const fixtureSessionId = 'ses_test'

export type EventLogFixture = {
  database: OpenedDatabase
  bus: InProcessEventBus
  log: EventLog
  close(): Promise<void>
}

export async function openEventLogFixture(): Promise<EventLogFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'aops-event-log-'))
  const database = await openDatabase(join(dir, 'test.db'))
  const bus = new InProcessEventBus()
  await new SessionStore(database.db).insert({
    id: fixtureSessionId,
    title: 't',
    model: 'p/m',
    permissionPolicy: 'allow',
    controlTokenHash: 'a',
    llmTokenHash: 'b',
    sandboxProvider: 'local',
    ownerId: null,
    orgId: null,
    now: new Date().toISOString(),
  })
  return {
    database,
    bus,
    log: new EventLog(database.db, bus),
    async close() {
      await database.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** A text delta whose text is `n`, so a test can tell events apart by their payload. */
export const numberedDelta = (n: number) => ({
  type: 'text.delta' as const,
  data: { messageId: 'm', partId: 'p', delta: String(n) },
})
