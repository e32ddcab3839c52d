import type { Session } from '@agent-ops/protocol'
import { formatCount, formatUsd } from './render.ts'

/** `3m ago`-style age of an ISO timestamp, relative to `now`. */
export function formatAge(iso: string, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000))
  if (seconds < 60) return `${seconds}s ago`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes}m ago`
  const hours = Math.floor(minutes / 60)
  if (hours < 48) return `${hours}h ago`
  return `${Math.floor(hours / 24)}d ago`
}

/** A plain-text table with left-aligned columns, two spaces apart. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, col) =>
    Math.max(title.length, ...rows.map((row) => (row[col] ?? '').length)),
  )
  const line = (cells: string[]) =>
    cells
      .map((cell, col) => cell.padEnd(widths[col] ?? 0))
      .join('  ')
      .trimEnd()
  return [line(header), ...rows.map(line)].join('\n') + '\n'
}

const titleMaxChars = 48

export function formatSessionList(sessions: Session[], now: Date): string {
  if (sessions.length === 0) return 'No sessions yet. Start one with: agent-ops session new "<prompt>"\n'
  return formatTable(
    ['ID', 'STATUS', 'TITLE', 'MODEL', 'UPDATED'],
    sessions.map((s) => [
      s.id,
      s.status,
      s.title.length > titleMaxChars ? `${s.title.slice(0, titleMaxChars - 1)}…` : s.title,
      s.model,
      formatAge(s.updatedAt, now),
    ]),
  )
}

export function formatSession(session: Session): string {
  const { usage } = session
  const rows: [string, string][] = [
    ['id', session.id],
    ['title', session.title],
    ['status', session.status + (session.statusReason ? ` (${session.statusReason})` : '')],
    ['model', session.model],
    ['queued', String(session.queuedMessages)],
    [
      'tokens',
      `${formatCount(usage.inputTokens)} in, ${formatCount(usage.outputTokens)} out` +
        (usage.reasoningTokens ? `, ${formatCount(usage.reasoningTokens)} reasoning` : '') +
        (usage.cacheReadTokens ? `, ${formatCount(usage.cacheReadTokens)} cache read` : ''),
    ],
    ['cost', formatUsd(usage.costUsd)],
    ['created', session.createdAt],
    ['updated', session.updatedAt],
  ]
  return rows.map(([key, value]) => `${`${key}:`.padEnd(9)}${value}`).join('\n') + '\n'
}
