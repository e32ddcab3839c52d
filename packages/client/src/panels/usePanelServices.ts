import type { PanelServiceName } from '@agent-ops/protocol'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useApi } from '../auth.tsx'
import { pollIntervalMs } from './model.ts'

export const panelServicesKey = (sessionId: string) => ['panel-services', sessionId] as const

/**
 * The session's panel services, polled: every second while one is starting or stopping, or one of `opened` (the
 * services of the tabs opened so far) is not running yet; every ten seconds otherwise, for the memory figures.
 */
export function usePanelServices(sessionId: string, enabled: boolean, opened: readonly PanelServiceName[]) {
  const { client } = useApi()
  return useQuery({
    queryKey: panelServicesKey(sessionId),
    queryFn: () => client.sessions.panels(sessionId),
    enabled,
    refetchInterval: (query) => pollIntervalMs(query.state.data, opened),
  })
}

export function useStartService(sessionId: string) {
  const { client } = useApi()
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (name: PanelServiceName) => client.sessions.startPanel(sessionId, name),
    onSettled: () => queryClient.invalidateQueries({ queryKey: panelServicesKey(sessionId) }),
  })
}
