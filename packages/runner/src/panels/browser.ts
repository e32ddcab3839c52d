import { existsSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { type ChildGroup, firstExit, freePort, serviceEnv, spawnGroup, waitUntil } from './child-group.ts'
import type { Launched, Launcher } from './lazy-service.ts'

/**
 * The sandbox's real browser: an X display served over VNC (Xtigervnc, which people watch and drive through
 * noVNC) with Chromium on it, whose DevTools port the agent drives through Playwright MCP. One browser, two users.
 */
export type BrowserRunning = Launched & { vncPort: number; cdpPort: number; display: string }

const READY_TIMEOUT_MS = 30_000
const WIDTH = 1280
const HEIGHT = 800

/** The first display with no X socket or lock: :1 in a sandbox's private /tmp, further up on a shared one. */
function freeDisplay(): number {
  for (let n = 1; n < 100; n++)
    if (!existsSync(`/tmp/.X11-unix/X${n}`) && !existsSync(`/tmp/.X${n}-lock`)) return n
  throw new Error('no free X display')
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

export function browserLauncher(opts: { workspace: string; home: string }): Launcher<BrowserRunning> {
  return async (setStep) => {
    setStep('Starting the display')
    const [vncPort, cdpPort] = [await freePort(), await freePort()]
    const displayNumber = freeDisplay()
    const display = `:${displayNumber}`
    const env = serviceEnv({ HOME: opts.home })
    const groups: ChildGroup[] = []
    const stopAll = () => Promise.all(groups.map((group) => group.stop())).then(() => {})
    try {
      const x = await spawnGroup(
        '/usr/bin/Xtigervnc',
        [
          display,
          '-geometry',
          `${WIDTH}x${HEIGHT}`,
          '-depth',
          '24',
          '-SecurityTypes',
          'None',
          '-localhost',
          '-rfbport',
          String(vncPort),
          '-AlwaysShared',
          '-desktop',
          'agent-ops',
        ],
        { cwd: opts.workspace, env },
      )
      groups.push(x)
      await waitUntil('Xtigervnc', () => tcpOpen(vncPort), x, READY_TIMEOUT_MS)
      setStep('Starting Chromium')
      const chromium = await spawnGroup(
        '/usr/bin/chromium',
        [
          '--no-sandbox',
          // Hides the infobar warning about --no-sandbox: the session's sandbox is the boundary (docs/panels.md).
          '--test-type',
          '--no-first-run',
          '--no-default-browser-check',
          '--disable-gpu',
          '--disable-dev-shm-usage',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--remote-debugging-address=127.0.0.1',
          `--remote-debugging-port=${cdpPort}`,
          `--user-data-dir=${join(opts.home, '.config', 'agent-ops-chromium')}`,
          '--window-position=0,0',
          `--window-size=${WIDTH},${HEIGHT}`,
          'about:blank',
        ],
        { cwd: opts.workspace, env: { ...env, DISPLAY: display } },
      )
      groups.push(chromium)
      await waitUntil(
        'Chromium',
        async () => (await fetch(`http://127.0.0.1:${cdpPort}/json/version`)).ok,
        chromium,
        READY_TIMEOUT_MS,
      )
      return {
        vncPort,
        cdpPort,
        display,
        pids: () => groups.map((group) => group.pid),
        died: firstExit({ Xtigervnc: x, Chromium: chromium }),
        stop: stopAll,
      }
    } catch (error) {
      await stopAll()
      throw error
    }
  }
}
