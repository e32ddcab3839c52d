import { useSyncExternalStore } from 'react'

/** A minimal history-API router; the next iteration replaces it with a real one. */
const navigationEvent = 'agent-ops:navigate'

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange)
  window.addEventListener(navigationEvent, onChange)
  return () => {
    window.removeEventListener('popstate', onChange)
    window.removeEventListener(navigationEvent, onChange)
  }
}

export function usePath(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname)
}

export function navigate(to: string): void {
  if (to === window.location.pathname) return
  window.history.pushState(null, '', to)
  window.dispatchEvent(new Event(navigationEvent))
  window.scrollTo(0, 0)
}

export type Route = { page: 'sessions' } | { page: 'session'; sessionId: string } | { page: 'not-found' }

export function matchRoute(path: string): Route {
  if (path === '/' || path === '/sessions' || path === '/sessions/') return { page: 'sessions' }
  const match = /^\/sessions\/([^/]+)\/?$/.exec(path)
  if (match?.[1]) return { page: 'session', sessionId: decodeURIComponent(match[1]) }
  return { page: 'not-found' }
}

export const sessionPath = (id: string) => `/sessions/${encodeURIComponent(id)}`
