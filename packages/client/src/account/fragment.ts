/**
 * Invite and share links carry their token in the address's #fragment (`/invite#token=…`): browsers never send
 * a fragment to a server, so the token reaches no log or Referer. The page takes it out of the address at once
 * and keeps it in memory for the page's life.
 */
const taken = new Map<string, string>()

export function takeFragmentToken(path: string): string | null {
  const match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash)
  if (match?.[1]) {
    taken.set(path, decodeURIComponent(match[1]))
    const { pathname, search } = window.location
    window.history.replaceState(window.history.state, '', pathname + search)
  }
  return taken.get(path) ?? null
}

const runs = new Map<string, Promise<unknown>>()

/** A token is single-use: however often a page renders (or React's strict mode runs effects twice), post it once. */
export function once<T>(key: string, run: () => Promise<T>): Promise<T> {
  let pending = runs.get(key) as Promise<T> | undefined
  if (!pending) {
    pending = run()
    runs.set(key, pending)
  }
  return pending
}
