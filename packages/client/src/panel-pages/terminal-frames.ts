import type { TerminalClientMessage, TerminalServerMessage } from '@agent-ops/protocol'

/**
 * The terminal page's side of the terminal WebSocket, without the DOM: parsing frames by hand (the page stays
 * free of zod), and what each frame does to the screen.
 */

const terminalIdPattern = /^[A-Za-z0-9_-]{1,32}$/

/** The terminal to attach to, from `?id=`: `1` unless a valid id is given. */
export function terminalIdFromQuery(search: string): string {
  const id = new URLSearchParams(search).get('id')
  return id && terminalIdPattern.test(id) ? id : '1'
}

export function terminalSocketUrl(wsOrigin: string, id: string, cols: number, rows: number): string {
  return `${wsOrigin}/terminal/ws/${encodeURIComponent(id)}?cols=${cols}&rows=${rows}`
}

/** A server frame, or null when the text is not one (then it is ignored). */
export function parseServerFrame(text: string): TerminalServerMessage | null {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null) return null
  const frame = value as Record<string, unknown>
  if (frame.type === 'output' && typeof frame.data === 'string') return { type: 'output', data: frame.data }
  if (frame.type === 'exit') {
    const code = frame.code
    if (code === null) return { type: 'exit', code: null }
    if (typeof code === 'number' && Number.isInteger(code)) return { type: 'exit', code }
  }
  return null
}

export function encodeClientFrame(message: TerminalClientMessage): string {
  return JSON.stringify(message)
}

/** The cols/rows a resize frame may carry (the protocol's bounds). */
export function clampSize(value: number): number {
  return Math.min(1000, Math.max(1, Math.floor(value)))
}

export function exitLine(code: number | null): string {
  return `\r\n[process exited with code ${code ?? 'unknown'}]\r\n`
}

/**
 * What to do with a frame. The first output after (re)connecting is the runner's replay of the scrollback: the
 * screen is cleared before it is written, so a reconnect does not show everything twice.
 */
export type FrameAction =
  | { kind: 'write'; clearFirst: boolean; data: string }
  | { kind: 'exit'; line: string }
  | { kind: 'ignore' }

export function frameAction(frame: TerminalServerMessage | null, awaitingReplay: boolean): FrameAction {
  if (!frame) return { kind: 'ignore' }
  if (frame.type === 'exit') return { kind: 'exit', line: exitLine(frame.code) }
  return { kind: 'write', clearFirst: awaitingReplay, data: frame.data }
}
