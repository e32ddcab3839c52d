import type { SessionEvent } from '@agent-ops/protocol'
import { emptyTimeline, type TimelineState } from '@agent-ops/protocol/timeline'
import { useEffect, useReducer, useState } from 'react'
import { useApi } from '../auth.tsx'
import { earlyTimeline, takeTimelineRead } from '../boot/timeline-read.ts'
import { followSession, reduceAction, type SessionSource } from '../timeline/follow.ts'

/**
 * The session's timeline: its stored log as the server folded it (boot/timeline-read.ts), then live events, applied
 * once per animation frame in a batch. Opened straight on this page, the timeline was read while the app loaded,
 * and the first render already shows it. The SDK's stream reconnects on its own with Last-Event-ID; only errors the
 * server answers with end it.
 */
export function useSessionTimeline(sessionId: string) {
  const { client, describeError } = useApi()
  const [timeline, dispatch] = useReducer(reduceAction, sessionId, (id) => earlyTimeline(id) ?? emptyTimeline)
  const [streamError, setStreamError] = useState<string | null>(null)

  useEffect(() => {
    const controller = new AbortController()
    let pending: SessionEvent[] = []
    let frame: number | null = null
    const flush = () => {
      frame = null
      if (pending.length === 0 || controller.signal.aborted) return
      const batch = pending
      pending = []
      dispatch(batch)
    }
    const source: SessionSource = {
      timeline: (signal) => {
        const read = takeTimelineRead(sessionId)
        signal.addEventListener('abort', read.cancel, { once: true })
        return read.result
      },
      follow: (after, signal) => client.sessions.eventBatches(sessionId, { after, signal }),
    }
    const handlers = {
      folded: (state: TimelineState) => dispatch({ folded: state }),
      events: (batch: SessionEvent[]) => {
        pending = pending.length === 0 ? batch : pending.concat(batch)
        frame ??= requestAnimationFrame(flush)
      },
    }
    followSession(source, handlers, controller.signal).catch((caught: unknown) => {
      if (!controller.signal.aborted) setStreamError(describeError(caught))
    })
    return () => {
      controller.abort()
      if (frame !== null) cancelAnimationFrame(frame)
    }
  }, [client, describeError, sessionId])

  return { timeline, streamError }
}
