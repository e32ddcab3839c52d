import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect } from 'react'
import { useApi } from '../auth.tsx'

export const sessionKey = (sessionId: string) => ['session', sessionId] as const

/** The session record; it is fetched again whenever `changeKey` moves (a status or usage event arrived). */
export function useSession(sessionId: string, changeKey: string) {
  const { client } = useApi()
  const queryClient = useQueryClient()
  const query = useQuery({
    queryKey: sessionKey(sessionId),
    queryFn: () => client.sessions.get(sessionId),
  })
  // biome-ignore lint/correctness/useExhaustiveDependencies: changeKey is the trigger for refetching.
  useEffect(() => {
    queryClient.invalidateQueries({ queryKey: sessionKey(sessionId) })
  }, [queryClient, sessionId, changeKey])
  return query
}
