import { useQuery } from '@tanstack/react-query'
import { useApi } from '../auth.tsx'
import { Avatar } from '../components/UserMenu.tsx'

/** How often the session page asks who is watching, while the page is visible. */
export const presenceRefreshMs = 5_000

/** Who has the session open right now (each person once, however many tabs), the caller included. */
export function PresenceList({ sessionId }: { sessionId: string }) {
  const { client, me } = useApi()
  // Refetching pauses while the tab is hidden (refetchIntervalInBackground is off).
  const { data } = useQuery({
    queryKey: ['session', sessionId, 'presence'],
    queryFn: () => client.sharing.presence(sessionId),
    refetchInterval: presenceRefreshMs,
  })
  const others = data?.viewers.filter((viewer) => viewer.user.id !== me.user.id) ?? []
  if (!data) return null
  const names = others.map((viewer) => viewer.user.name)
  return (
    <section className="presence row nowrap" aria-label="Watching now">
      {others.length === 0 ? (
        <span className="hint">Only you are watching</span>
      ) : (
        <>
          <ul className="avatars">
            {others.slice(0, 5).map((viewer) => (
              <li key={viewer.user.id}>
                <Avatar name={viewer.user.name} label={`${viewer.user.name} (${viewer.user.email})`} />
              </li>
            ))}
          </ul>
          <span className="hint">
            {names.length <= 2
              ? names.join(' and ')
              : `${names.slice(0, 2).join(', ')} and ${names.length - 2} more`}{' '}
            watching
          </span>
        </>
      )}
    </section>
  )
}
