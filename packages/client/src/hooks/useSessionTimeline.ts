import type { SessionEvent } from '@agent-ops/protocol'
import { useEffect, useReducer, useRef, useState } from 'react'
import { useApi } from '../auth.tsx'
import { emptyTimeline, reduceEvents } from '../timeline/reducer.ts'
import { takeEarlyStream } from './early-stream.ts'

/** While replaying the log on open, render at least this often, so a huge log still shows progress. */
const catchUpRenderEveryMs = 1_000

/**
 * Follows the session's event stream from the start of its log and folds it into a timeline. Live events are
 * applied once per animation frame in a batch. On open, the log up to `backlogSeq` (the record's last event,
 * once known) is replayed in one batch: rendering a 10,000-event log once, not once per frame of its download.
 * The SDK reconnects on its own with Last-Event-ID; only errors the server answers with end the stream.
 */
export function useSessionTimeline(sessionId: string, backlogSeq: number | undefined) {
  const { client, describeError } = useApi()
  const [timeline, dispatch] = useReducer(reduceEvents, emptyTimeline)
  const [streamError, setStreamError] = useState<string | null>(null)
  const backlog = useRef(backlogSeq)
  const flushRef = useRef<(() => void) | null>(null)

  useEffect(() => {
    backlog.current = backlogSeq
    // The record may arrive after the backlog did.
    flushRef.current?.()
  }, [backlogSeq])

  useEffect(() => {
    const controller = new AbortController()
    let pending: SessionEvent[] = []
    let frame: number | null = null
    let catchingUp = true
    let catchUpDeadline = performance.now() + catchUpRenderEveryMs
    let deadlineTimer: ReturnType<typeof setTimeout> | undefined

    const flush = () => {
      frame = null
      if (pending.length === 0 || controller.signal.aborted) return
      const batch = pending
      pending = []
      dispatch(batch)
    }
    const schedule = () => {
      if (pending.length === 0) return
      const lastSeq = pending.at(-1)?.seq ?? 0
      if (catchingUp && (backlog.current === undefined || lastSeq < backlog.current)) {
        if (performance.now() < catchUpDeadline) {
          deadlineTimer ??= setTimeout(() => {
            deadlineTimer = undefined
            catchUpDeadline = performance.now() + catchUpRenderEveryMs
            frame ??= requestAnimationFrame(flush)
          }, catchUpDeadline - performance.now())
          return
        }
        catchUpDeadline = performance.now() + catchUpRenderEveryMs
      } else catchingUp = false
      frame ??= requestAnimationFrame(flush)
    }
    flushRef.current = schedule

    const follow = async () => {
      try {
        // Batches, not single events: a 10,000-event backlog is a few dozen steps, not 10,000. Opened straight
        // on this page, the stream was started while the app booted (early-stream.ts).
        const batches =
          takeEarlyStream(sessionId, controller.signal) ??
          client.sessions.eventBatches(sessionId, { signal: controller.signal })
        for await (const batch of batches) {
          pending = pending.length === 0 ? batch : pending.concat(batch)
          schedule()
        }
      } catch (caught) {
        if (!controller.signal.aborted) setStreamError(describeError(caught))
      }
    }
    follow()
    return () => {
      controller.abort()
      flushRef.current = null
      clearTimeout(deadlineTimer)
      if (frame !== null) cancelAnimationFrame(frame)
    }
  }, [client, describeError, sessionId])

  return { timeline, streamError }
}
