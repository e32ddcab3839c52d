import type {
  PanelAccess,
  PanelService,
  PanelServiceName,
  PanelServices,
  SessionRole,
  SessionStatus,
} from '@agent-ops/protocol'

/**
 * The panel area's decisions as pure functions: which tabs a role sees, what a service's state reads as, what
 * to do next when a tab opens, the split's size. The components only perform what these decide.
 */

export type PanelTab = 'terminal' | 'vscode' | 'browser' | 'ports'

export interface PanelTabInfo {
  id: PanelTab
  label: string
  /** The service the tab needs running (none for ports: their servers are the agent's or the user's). */
  service: PanelServiceName | null
  viewOnly: boolean
}

export const serviceTitles: Record<PanelServiceName, string> = {
  terminal: 'Terminal',
  vscode: 'VS Code',
  browser: 'Browser',
}

const allTabs: readonly PanelTabInfo[] = [
  { id: 'terminal', label: 'Terminal', service: 'terminal', viewOnly: false },
  { id: 'vscode', label: 'VS Code', service: 'vscode', viewOnly: false },
  { id: 'browser', label: 'Browser', service: 'browser', viewOnly: false },
  { id: 'ports', label: 'Ports', service: null, viewOnly: false },
]

/** Viewers watch the browser and nothing else: a terminal, VS Code or a port would let them change things. */
export function panelTabsFor(role: SessionRole | undefined): readonly PanelTabInfo[] {
  if (role === 'viewer') return [{ id: 'browser', label: 'Browser', service: 'browser', viewOnly: true }]
  return allTabs
}

export const viewerNote =
  'As a viewer you can watch the browser; the terminal, VS Code and ports need a collaborator role.'

export function accessFor(role: SessionRole | undefined): PanelAccess {
  return role === 'viewer' ? 'view' : 'full'
}

/** Whether panels can open in a session in this state, and what the panel area says when they cannot. */
export type PanelAvailability =
  | { available: true }
  | { available: false; reason: 'booting' | 'hibernated' | 'ended'; message: string }

export function panelAvailability(status: SessionStatus | null): PanelAvailability {
  switch (status) {
    case 'ready':
    case 'working':
      return { available: true }
    case 'hibernating':
    case 'hibernated':
      return {
        available: false,
        reason: 'hibernated',
        message: 'The session is hibernated — send a message or resume it to open panels.',
      }
    case 'stopping':
    case 'stopped':
    case 'failed':
      return {
        available: false,
        reason: 'ended',
        message: 'The session has ended: its sandbox and panels are gone.',
      }
    default:
      return {
        available: false,
        reason: 'booting',
        message: 'The session is starting; panels open once its sandbox is ready.',
      }
  }
}

/** One line for people about a service, never a bare spinner: "Starting VS Code — Installing extensions…". */
export function serviceStateText(name: PanelServiceName, service: PanelService | undefined): string {
  const title = serviceTitles[name]
  switch (service?.state) {
    case undefined:
    case 'stopped':
      return `Starting ${title}…`
    case 'starting':
      return service.step ? `Starting ${title} — ${stripEllipsis(service.step)}…` : `Starting ${title}…`
    case 'running':
      return `${title} is running`
    case 'stopping':
      return `${title} is stopping…`
    case 'failed':
      return service.error ? `${title} failed to start: ${service.error}` : `${title} failed to start.`
  }
}

function stripEllipsis(step: string): string {
  return step.replace(/(\.\.\.|…)+$/, '')
}

/**
 * What a service tab does next. `startRequested`: this tab already asked for a start (so a `stopped` read is a
 * poll that came before the start took effect, not a reason to ask again).
 */
export type ServiceStep = 'start' | 'wait' | 'open' | 'failed'

export function serviceStep(service: PanelService | undefined, startRequested: boolean): ServiceStep {
  switch (service?.state) {
    case 'running':
      return 'open'
    case 'failed':
      return 'failed'
    case 'starting':
    case 'stopping':
      return 'wait'
    default:
      return startRequested ? 'wait' : 'start'
  }
}

/**
 * Poll every second while a service is on its way up or down, or one a tab waits for (`opened`) is not running
 * yet; otherwise now and then, for the memory figures.
 */
export function pollIntervalMs(
  services: PanelServices | undefined,
  opened: readonly PanelServiceName[],
): number {
  if (!services) return 1000
  const moving = services.services.some((s) => s.state === 'starting' || s.state === 'stopping')
  const waiting = opened.some((name) => {
    const state = services.services.find((s) => s.name === name)?.state
    return state !== 'running' && state !== 'failed'
  })
  return moving || waiting ? 1000 : 10_000
}

export function formatMegabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024)
  if (mb < 1) return '<1 MB'
  if (mb >= 1024) return `${(mb / 1024).toFixed(1)} GB`
  return `${Math.round(mb)} MB`
}

/** "VS Code · 312 MB" for each running service, in tab order. */
export function memoryLabels(services: PanelServices | undefined): string[] {
  if (!services) return []
  return (['terminal', 'vscode', 'browser'] as const).flatMap((name) => {
    const service = services.services.find((s) => s.name === name)
    if (service?.state !== 'running') return []
    return [`${serviceTitles[name]} · ${formatMegabytes(service.rssBytes)}`]
  })
}

/**
 * The path the exchange redirects to, under the token's `path`: the theme for the panel pages, the terminal's
 * id, `view=1` for a view-only browser.
 */
export function panelNext(
  path: string,
  options: { theme: 'light' | 'dark'; terminalId?: string; access?: PanelAccess },
): string {
  const query = new URLSearchParams()
  if (options.terminalId) query.set('id', options.terminalId)
  if (options.access === 'view') query.set('view', '1')
  query.set('theme', options.theme)
  return `${path}?${query}`
}

/** A port typed by a person: a whole number in 1..65535, or null. */
export function parsePort(text: string): number | null {
  const trimmed = text.trim()
  if (!/^\d{1,5}$/.test(trimmed)) return null
  const port = Number(trimmed)
  return port >= 1 && port <= 65_535 ? port : null
}

/** The next terminal's id: one more than the highest numeric id open. */
export function nextTerminalId(ids: readonly string[]): string {
  const numbers = ids.map(Number).filter((n) => Number.isInteger(n) && n > 0)
  return String(numbers.length === 0 ? 1 : Math.max(...numbers) + 1)
}

/** The panel area's share of the session view's width: between these, stepped by the arrow keys. */
export const splitBounds = { min: 0.25, max: 0.75, step: 0.05, initial: 0.5 } as const

export function clampSplit(fraction: number): number {
  if (!Number.isFinite(fraction)) return splitBounds.initial
  const clamped = Math.min(splitBounds.max, Math.max(splitBounds.min, fraction))
  return Math.round(clamped * 1000) / 1000
}

export function parseStoredSplit(stored: string | null): number {
  if (stored === null || stored.trim() === '') return splitBounds.initial
  return clampSplit(Number(stored))
}

/** The split after a key on the handle (the panel area is on the right: ArrowLeft widens it), or null. */
export function splitAfterKey(fraction: number, key: string): number | null {
  switch (key) {
    case 'ArrowLeft':
      return clampSplit(fraction + splitBounds.step)
    case 'ArrowRight':
      return clampSplit(fraction - splitBounds.step)
    case 'Home':
      return splitBounds.max
    case 'End':
      return splitBounds.min
    default:
      return null
  }
}

/** The split while dragging: the panel area spans from the pointer to the container's right edge. */
export function splitFromPointer(pointerX: number, left: number, width: number): number {
  if (width <= 0) return splitBounds.initial
  return clampSplit((left + width - pointerX) / width)
}
