import type { SessionEvent } from '@agent-ops/protocol'
import { useEffect, useReducer, useState } from 'react'
import { useApi } from '../auth.tsx'
import { earlyTimeline, takeLogFold } from '../boot/log-fold.ts'
import { followSession, reduceAction, type SessionSource } from '../timeline/follow.ts'
import { emptyTimeline, type TimelineState } from '../timeline/reducer.ts'

/**
 * The session's timeline: its stored log folded in a worker (boot/log-fold.ts), then live events, applied once per
 * animation frame in a batch. Opened straight on this page, the log was folded while the app loaded, and the
 * first render already shows it. The SDK's stream reconnects on its own with Last-Event-ID; only errors the
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
      foldLog: (signal) => {
        const fold = takeLogFold(sessionId)
        signal.addEventListener('abort', fold.cancel, { once: true })
        return fold.result
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
