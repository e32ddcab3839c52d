/** The API paths a page reads first, shared by the entry (which sends them early) and the app (which takes them). */

export const sessionPath = (sessionId: string) => `/api/sessions/${encodeURIComponent(sessionId)}`
export const sessionTimelinePath = (sessionId: string) => `${sessionPath(sessionId)}/timeline`

/** The session a `/sessions/:id` address opens, if it is one. */
export function sessionOfPage(pathname: string): string | undefined {
  const encoded = /^\/sessions\/([^/]+)\/?$/.exec(pathname)?.[1]
  if (!encoded) return undefined
  try {
    return decodeURIComponent(encoded)
  } catch {
    return undefined
  }
}

/**
 * What a signed-in user's page at `pathname` asks for before anything else: who they are, and on a session's page
 * its record. (Its timeline, the one large answer, is read apart: boot/timeline-read.ts.)
 */
export function firstRequests(pathname: string): string[] {
  const sessionId = sessionOfPage(pathname)
  return sessionId === undefined ? ['/api/me'] : ['/api/me', sessionPath(sessionId)]
}
