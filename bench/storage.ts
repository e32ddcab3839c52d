import {
  fixtureSessionId,
  numberedDelta,
  openEventLogFixture,
} from '../packages/server/src/sessions/event-log.testing.ts'

/**
 * Storing one runner event, as every event of a turn is stored before anyone sees it: the event log's append
 * (Kysely over better-sqlite3: read the session, insert the event, move the session's sequence, in one
 * transaction) against its floor, the same three statements prepared once and run straight on better-sqlite3 in
 * the same database. Each sample is the mean of `perSample` appends; floor and product batches alternate.
 */
export async function measureEventAppend(samples: number, perSample = 500) {
  const fixture = await openEventLogFixture()
  const sqlite = fixture.database.sqlite
  const selectSession = sqlite.prepare('select * from sessions where id = ?')
  const insertEvent = sqlite.prepare(
    'insert into session_events (session_id, seq, type, data, created_at) values (?, ?, ?, ?, ?)',
  )
  const moveSequence = sqlite.prepare(
    'update sessions set last_seq = ?, updated_at = ?, runner_id = ?, runner_seq = ? where id = ?',
  )
  const rawAppend = sqlite.transaction((n: number) => {
    const row = selectSession.get(fixtureSessionId) as { last_seq: number; runner_seq: number }
    const at = new Date().toISOString()
    const seq = row.last_seq + 1
    insertEvent.run(fixtureSessionId, seq, 'text.delta', JSON.stringify(numberedDelta(n).data), at)
    moveSequence.run(seq, at, 'bench', row.runner_seq + 1, fixtureSessionId)
  })
  let runnerSeq = 0
  const productAppend = (n: number) =>
    fixture.log.append(fixtureSessionId, numberedDelta(n), {
      runner: { runnerId: 'bench', seq: ++runnerSeq },
    })
  const append: number[] = []
  const floor: number[] = []
  try {
    // Warm-up, untimed: both paths compiled and the table past its first pages.
    for (let i = 0; i < perSample; i++) {
      rawAppend(i)
      runnerSeq++
      await productAppend(i)
    }
    for (let s = 0; s < samples; s++) {
      let started = performance.now()
      for (let i = 0; i < perSample; i++) {
        rawAppend(i)
        runnerSeq++
      }
      floor.push((performance.now() - started) / perSample)
      started = performance.now()
      for (let i = 0; i < perSample; i++) await productAppend(i)
      append.push((performance.now() - started) / perSample)
    }
    // Each append must have stored its event: an append skipped as a resend would time nothing.
    const stored = (sqlite.prepare('select count(*) as n from session_events').get() as { n: number }).n
    if (stored !== 2 * perSample * (samples + 1))
      throw new Error(`event append benchmark stored ${stored} events, not ${2 * perSample * (samples + 1)}`)
  } finally {
    await fixture.close()
  }
  // In microseconds: a millisecond rounded to one decimal would hide the difference.
  return { append: append.map((ms) => ms * 1000), floor: floor.map((ms) => ms * 1000) }
}
