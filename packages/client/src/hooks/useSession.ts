import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useRef } from 'react'
import { useApi } from '../auth.tsx'

export const sessionKey = (sessionId: string) => ['session', sessionId] as const

/**
 * The session record; it is fetched again whenever `changeKey` moves (a status or usage event arrived), not for
 * the key it was first fetched with: a page opened on a long session already has its log folded by then, and the
 * record it just read would only be read again.
 */
export function useSession(sessionId: string, changeKey: string) {
  const { client } = useApi()
  const queryClient = useQueryClient()
  const query = useQuery({
    queryKey: sessionKey(sessionId),
    queryFn: () => client.sessions.get(sessionId),
  })
  const fetchedFor = useRef(changeKey)
  useEffect(() => {
    if (fetchedFor.current === changeKey) return
    fetchedFor.current = changeKey
    queryClient.invalidateQueries({ queryKey: sessionKey(sessionId) })
  }, [queryClient, sessionId, changeKey])
  return query
}
