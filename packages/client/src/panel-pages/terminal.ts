// The terminal panel: xterm.js on the whole window, attached to one of the sandbox's terminals over a WebSocket.
import '@xterm/xterm/css/xterm.css'
import './panel-page.css'
import { FitAddon } from '@xterm/addon-fit'
import { type ITheme, Terminal } from '@xterm/xterm'
import { backoffDelayMs, closeVerdict, themeFromQuery, webSocketOrigin } from './backoff.ts'
import { probeStatus, requireElement, statusLine } from './status.ts'
import {
  clampSize,
  encodeClientFrame,
  frameAction,
  parseServerFrame,
  terminalIdFromQuery,
  terminalSocketUrl,
} from './terminal-frames.ts'

const themes: Record<'light' | 'dark', ITheme> = {
  light: {
    background: '#ffffff',
    foreground: '#1b1f24',
    cursor: '#1b1f24',
    selectionBackground: '#bfdbfe',
  },
  dark: {
    background: '#0f1216',
    foreground: '#e6e9ee',
    cursor: '#e6e9ee',
    selectionBackground: '#264f78',
  },
}

const theme = themeFromQuery(location.search)
document.body.dataset.theme = theme
const id = terminalIdFromQuery(location.search)
const wsOrigin = webSocketOrigin(location.origin)
const setStatus = statusLine(requireElement('status'))

const term = new Terminal({
  theme: themes[theme],
  fontFamily: 'ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace',
  fontSize: 13,
  cursorBlink: true,
  scrollback: 5000,
})
const fit = new FitAddon()
term.loadAddon(fit)
term.open(requireElement('terminal'))
fit.fit()
term.focus()

let socket: WebSocket | null = null
let attempt = 0
let stopped = false
let exited = false

function send(text: string) {
  if (socket?.readyState === WebSocket.OPEN) socket.send(text)
}

function connect() {
  const ws = new WebSocket(terminalSocketUrl(wsOrigin, id, clampSize(term.cols), clampSize(term.rows)))
  socket = ws
  let opened = false
  let awaitingReplay = true
  ws.addEventListener('open', () => {
    opened = true
    attempt = 0
    setStatus(null)
    // The size in the URL only shapes a new terminal: an existing one (a reconnect) learns ours here.
    send(encodeClientFrame({ type: 'resize', cols: clampSize(term.cols), rows: clampSize(term.rows) }))
  })
  ws.addEventListener('message', (event) => {
    if (typeof event.data !== 'string') return
    const action = frameAction(parseServerFrame(event.data), awaitingReplay)
    if (action.kind === 'write') {
      if (action.clearFirst) term.reset()
      awaitingReplay = false
      term.write(action.data)
    } else if (action.kind === 'exit') {
      exited = true
      term.write(action.line)
      setStatus('The shell has ended. Press any key to start a new one.')
    }
  })
  ws.addEventListener('close', async (event) => {
    if (socket !== ws) return
    socket = null
    if (exited || stopped) return
    // A refused upgrade closes with 1006 and no reason: ask the gateway plainly what it thinks of us.
    const probe = opened ? undefined : await probeStatus(`${location.origin}/terminal/ws/${id}`)
    const verdict = closeVerdict(event.code, probe)
    if (verdict === 'forbidden') {
      stopped = true
      setStatus("You can't use this terminal (view-only access).", 'error')
      return
    }
    if (verdict === 'expired') {
      stopped = true
      setStatus('Your access to this terminal has expired. Reopen the Terminal tab.', 'error')
      return
    }
    const delay = backoffDelayMs(attempt)
    attempt += 1
    setStatus('Reconnecting…')
    setTimeout(connect, delay)
  })
}

term.onData((data) => {
  if (exited) {
    // A key after the shell ended: attach again, which starts a new shell under the same id.
    exited = false
    setStatus(null)
    connect()
    return
  }
  send(encodeClientFrame({ type: 'input', data }))
})
term.onResize(({ cols, rows }) => {
  send(encodeClientFrame({ type: 'resize', cols: clampSize(cols), rows: clampSize(rows) }))
})

let resizeFrame = 0
window.addEventListener('resize', () => {
  cancelAnimationFrame(resizeFrame)
  resizeFrame = requestAnimationFrame(() => fit.fit())
})
// The app shows this page in a tab that may be hidden when it loads: fit again once it has a size.
new ResizeObserver(() => fit.fit()).observe(requireElement('terminal'))

connect()
