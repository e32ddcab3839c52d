import { isTerminal, type SessionEvent, type SessionStatus } from '@agent-ops/protocol'
import type { Client } from '@agent-ops/sdk'
import { finishOutput, initialRenderState, renderEvent } from './render.ts'

/**
 * When to stop reading a session's log:
 * - `caught-up`: at the last event that existed when we started (`logs` without --follow);
 * - `stopped`: when the session reaches stopped/failed (`logs --follow`);
 * - `turn-end`: when the session is back to waiting for input after a turn, or stopped/failed (`new --follow`).
 */
export type FollowUntil = 'caught-up' | 'stopped' | 'turn-end'

export interface FollowProgress {
  sawWorking: boolean
}

const waitingStatuses: readonly SessionStatus[] = ['ready', 'hibernating', 'hibernated']

/** Whether `event` ends a `stopped` / `turn-end` follow, and the exit code if so (1 when the session failed). */
export function stopDecision(
  until: Exclude<FollowUntil, 'caught-up'>,
  progress: FollowProgress,
  event: SessionEvent,
): { progress: FollowProgress; exitCode: number | null } {
  if (event.type !== 'session.status') return { progress, exitCode: null }
  const { status } = event.data
  if (isTerminal(status)) return { progress, exitCode: status === 'failed' ? 1 : 0 }
  if (status === 'working') return { progress: { sawWorking: true }, exitCode: null }
  if (until === 'turn-end' && progress.sawWorking && waitingStatuses.includes(status)) {
    return { progress, exitCode: 0 }
  }
  return { progress, exitCode: null }
}

export interface FollowOptions {
  until: FollowUntil
  json: boolean
  write: (text: string) => void
}

/** Prints a session's log (human or NDJSON) until the stop rule says so; resolves with the exit code. */
export async function printSessionLog(
  client: Client,
  sessionId: string,
  options: FollowOptions,
): Promise<number> {
  let targetSeq = Number.POSITIVE_INFINITY
  if (options.until === 'caught-up') {
    targetSeq = (await client.sessions.get(sessionId)).lastEventSeq
    if (targetSeq === 0) return 0
  }
  let renderState = initialRenderState
  let progress: FollowProgress = { sawWorking: false }
  let exitCode = 0
  for await (const event of client.sessions.events(sessionId)) {
    if (options.json) {
      options.write(JSON.stringify(event) + '\n')
    } else {
      const rendered = renderEvent(renderState, event)
      renderState = rendered.state
      if (rendered.output) options.write(rendered.output)
    }
    if (options.until === 'caught-up') {
      if (event.seq >= targetSeq) break
      continue
    }
    const decision = stopDecision(options.until, progress, event)
    progress = decision.progress
    if (decision.exitCode !== null) {
      exitCode = decision.exitCode
      break
    }
  }
  if (!options.json) options.write(finishOutput(renderState))
  return exitCode
}
