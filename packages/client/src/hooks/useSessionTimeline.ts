import { useEffect, useReducer, useState } from 'react'
import { useApi } from '../auth.tsx'
import { emptyTimeline, reduceTimeline } from '../timeline/reducer.ts'

/**
 * Follows the session's event stream from the start of its log and folds it into a timeline. The SDK
 * reconnects on its own, resuming after the last event; only errors the server answers with end it.
 */
export function useSessionTimeline(sessionId: string) {
  const { client, describeError } = useApi()
  const [timeline, dispatch] = useReducer(reduceTimeline, emptyTimeline)
  const [streamError, setStreamError] = useState<string | null>(null)

  useEffect(() => {
    const controller = new AbortController()
    const follow = async () => {
      try {
        for await (const event of client.sessions.events(sessionId, { signal: controller.signal }))
          dispatch(event)
      } catch (caught) {
        if (!controller.signal.aborted) setStreamError(describeError(caught))
      }
    }
    follow()
    return () => controller.abort()
  }, [client, describeError, sessionId])

  return { timeline, streamError }
}
