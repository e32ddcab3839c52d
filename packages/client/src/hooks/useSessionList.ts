import type { Session } from '@agent-ops/protocol'
import { useCallback, useEffect, useState } from 'react'
import { useApi } from '../auth.tsx'

export const sessionListRefreshMs = 3_000

/** The session list, refreshed every few seconds while the page is visible. */
export function useSessionList() {
  const { client, describeError } = useApi()
  const [sessions, setSessions] = useState<Session[] | null>(null)
  const [error, setError] = useState<string | null>(null)

  const refresh = useCallback(async () => {
    try {
      setSessions((await client.sessions.list()).sessions)
      setError(null)
    } catch (caught) {
      setError(describeError(caught))
    }
  }, [client, describeError])

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined
    let cancelled = false
    const tick = async () => {
      if (!document.hidden) await refresh()
      if (!cancelled) timer = setTimeout(tick, sessionListRefreshMs)
    }
    tick()
    return () => {
      cancelled = true
      clearTimeout(timer)
    }
  }, [refresh])

  return { sessions, error, refresh }
}
