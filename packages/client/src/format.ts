/** `3m ago`-style age, for lists refreshed every few seconds. */
export function formatAge(iso: string, now: number = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000))
  if (seconds < 10) return 'just now'
  if (seconds < 60) return `${seconds}s ago`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes}m ago`
  const hours = Math.floor(minutes / 60)
  if (hours < 48) return `${hours}h ago`
  return `${Math.floor(hours / 24)}d ago`
}

// One formatter for the page: creating one per call is slow.
const countFormat = new Intl.NumberFormat()

export const formatCount = (n: number) => countFormat.format(n)

export const formatUsd = (usd: number) => `$${usd.toFixed(usd > 0 && usd < 0.01 ? 4 : 2)}`

export const formatDateTime = (iso: string) => new Date(iso).toLocaleString()
