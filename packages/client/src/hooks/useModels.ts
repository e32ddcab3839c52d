import { useQuery } from '@tanstack/react-query'
import { useApi } from '../auth.tsx'

/** The models of the configured providers; they change only when the server's configuration does. */
export function useModels() {
  const { client } = useApi()
  return useQuery({ queryKey: ['models'], queryFn: () => client.models(), staleTime: 60_000 })
}
