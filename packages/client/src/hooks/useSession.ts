import type { Session } from '@agent-ops/protocol'
import { useEffect, useState } from 'react'
import { useApi } from '../auth.tsx'

/** The session record; `refreshKey` changes (status, usage) fetch it again for fresh totals. */
export function useSession(sessionId: string, refreshKey: string) {
  const { client, describeError } = useApi()
  const [session, setSession] = useState<Session | null>(null)
  const [error, setError] = useState<string | null>(null)
  // biome-ignore lint/correctness/useExhaustiveDependencies: refreshKey is the trigger for refetching.
  useEffect(() => {
    let cancelled = false
    client.sessions
      .get(sessionId)
      .then((found) => {
        if (cancelled) return
        setSession(found)
        setError(null)
      })
      .catch((caught: unknown) => !cancelled && setError(describeError(caught)))
    return () => {
      cancelled = true
    }
  }, [client, describeError, sessionId, refreshKey])
  return { session, error, setSession }
}
