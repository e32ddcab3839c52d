import { useQuery } from '@tanstack/react-query'
import { useApi } from '../auth.tsx'

export const membersKey = ['org', 'members'] as const
export const orgKey = ['org'] as const
export const invitesKey = ['org', 'invites'] as const
export const keysKey = ['keys'] as const
export const auditKey = ['audit'] as const

/** The organization's members, for the team page and the share dialog's people picker. */
export function useMembers() {
  const { client } = useApi()
  return useQuery({ queryKey: membersKey, queryFn: async () => (await client.org.members()).members })
}

/** An absolute link for a path the server returned (`/invite#token=…`), on the app's own origin. */
export const absoluteLink = (path: string) => new URL(path, window.location.origin).toString()
