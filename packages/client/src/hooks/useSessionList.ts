import { useQuery } from '@tanstack/react-query'
import { useApi } from '../auth.tsx'

/** How often the dashboard asks for fresh statuses while it is visible (the server has no list stream yet). */
export const sessionListRefreshMs = 3_000

export const sessionListKey = ['sessions'] as const

/** Every session the caller may see, refreshed every few seconds while the page is visible. */
export function useSessionList() {
  const { client } = useApi()
  return useQuery({
    queryKey: sessionListKey,
    queryFn: async () => (await client.sessions.list()).sessions,
    refetchInterval: sessionListRefreshMs,
  })
}
