// The browser panel: noVNC showing the sandbox's Chromium, scaled to the window.
import './panel-page.css'
import RFB from '@novnc/novnc'
import { backoffDelayMs, closeVerdict, themeFromQuery, webSocketOrigin } from './backoff.ts'
import { type BrowserConnection, browserStatusText, viewOnlyFromQuery } from './browser-status.ts'
import { probeStatus, requireElement, statusLine } from './status.ts'

const theme = themeFromQuery(location.search)
document.body.dataset.theme = theme
const viewOnly = viewOnlyFromQuery(location.search)
const screen = requireElement('screen')
const setStatus = statusLine(requireElement('status'))
const socketPath = '/browser/websockify'
const url = `${webSocketOrigin(location.origin)}${socketPath}`

let attempt = 0
let countdown: ReturnType<typeof setInterval> | undefined

function show(connection: BrowserConnection) {
  const error = connection.state === 'forbidden' || connection.state === 'expired'
  setStatus(browserStatusText(connection), error ? 'error' : 'info')
}

function connect() {
  show({ state: 'connecting' })
  let connected = false
  // No password: the VNC server inside the sandbox offers security type None; the gateway guards the socket.
  const rfb = new RFB(screen, url, { shared: true })
  rfb.scaleViewport = true
  rfb.resizeSession = false
  rfb.viewOnly = viewOnly
  rfb.background = theme === 'dark' ? '#0f1216' : '#eef0f3'
  rfb.addEventListener('connect', () => {
    connected = true
    attempt = 0
    show({ state: 'connected', viewOnly })
  })
  rfb.addEventListener('disconnect', async () => {
    const probe = connected ? undefined : await probeStatus(`${location.origin}${socketPath}`)
    const verdict = closeVerdict(0, probe)
    if (verdict !== 'retry') {
      show({ state: verdict })
      return
    }
    retryAfter(backoffDelayMs(attempt))
    attempt += 1
  })
}

function retryAfter(delayMs: number) {
  const at = Date.now() + delayMs
  const tick = () => show({ state: 'retrying', seconds: (at - Date.now()) / 1000 })
  tick()
  clearInterval(countdown)
  countdown = setInterval(tick, 1000)
  setTimeout(() => {
    clearInterval(countdown)
    connect()
  }, delayMs)
}

connect()
