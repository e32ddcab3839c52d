import type { PanelService, PanelServices, SessionStatus } from '@agent-ops/protocol'
import { describe, expect, it } from 'vitest'
import {
  accessFor,
  clampSplit,
  formatMegabytes,
  memoryLabels,
  nextTerminalId,
  panelAvailability,
  panelNext,
  panelTabsFor,
  parsePort,
  parseStoredSplit,
  pollIntervalMs,
  serviceStateText,
  serviceStep,
  splitAfterKey,
  splitBounds,
  splitFromPointer,
} from './model.ts'

const service = (overrides: Partial<PanelService> & Pick<PanelService, 'name' | 'state'>): PanelService => ({
  rssBytes: 0,
  ...overrides,
})
const services = (...list: PanelService[]): PanelServices => ({
  services: list,
  agentRssBytes: 0,
  runnerRssBytes: 0,
})
const mb = 1024 * 1024

describe('which panel tabs a role sees', () => {
  it('shows owners and collaborators every tab, in order, with full access', () => {
    for (const role of ['owner', 'collaborator', undefined] as const) {
      expect(panelTabsFor(role).map((tab) => tab.id)).toEqual(['terminal', 'vscode', 'browser', 'ports'])
      expect(panelTabsFor(role).every((tab) => !tab.viewOnly)).toBe(true)
      expect(accessFor(role)).toBe('full')
    }
  })

  it('shows a viewer the browser only, marked view only', () => {
    expect(panelTabsFor('viewer')).toEqual([
      { id: 'browser', label: 'Browser', service: 'browser', viewOnly: true },
    ])
    expect(accessFor('viewer')).toBe('view')
  })

  it('maps each service tab to its service and ports to none', () => {
    expect(Object.fromEntries(panelTabsFor('owner').map((tab) => [tab.id, tab.service]))).toEqual({
      terminal: 'terminal',
      vscode: 'vscode',
      browser: 'browser',
      ports: null,
    })
  })
})

describe('when panels can open', () => {
  it('opens them in a ready or working session only', () => {
    const open = (status: SessionStatus | null) => panelAvailability(status).available
    expect(open('ready')).toBe(true)
    expect(open('working')).toBe(true)
    for (const status of [
      'pending',
      'starting',
      'resuming',
      'hibernated',
      'stopped',
      'failed',
      null,
    ] as const)
      expect(open(status)).toBe(false)
  })

  it('tells a hibernated session to send a message or resume', () => {
    for (const status of ['hibernating', 'hibernated'] as const) {
      expect(panelAvailability(status)).toEqual({
        available: false,
        reason: 'hibernated',
        message: 'The session is hibernated — send a message or resume it to open panels.',
      })
    }
  })

  it('says an ended session has no panels and a booting one will have', () => {
    expect(panelAvailability('failed')).toMatchObject({ reason: 'ended' })
    expect(panelAvailability('stopped')).toMatchObject({ reason: 'ended' })
    expect(panelAvailability('provisioning')).toMatchObject({ reason: 'booting' })
  })
})

describe('service state labels', () => {
  it('names the step under way while starting, without doubling its ellipsis', () => {
    expect(
      serviceStateText(
        'vscode',
        service({ name: 'vscode', state: 'starting', step: 'Installing extensions' }),
      ),
    ).toBe('Starting VS Code — Installing extensions…')
    expect(
      serviceStateText(
        'browser',
        service({ name: 'browser', state: 'starting', step: 'Starting Chromium…' }),
      ),
    ).toBe('Starting Browser — Starting Chromium…')
    expect(serviceStateText('vscode', service({ name: 'vscode', state: 'starting' }))).toBe(
      'Starting VS Code…',
    )
  })

  it('says why a start failed', () => {
    expect(
      serviceStateText('vscode', service({ name: 'vscode', state: 'failed', error: 'port in use' })),
    ).toBe('VS Code failed to start: port in use')
    expect(serviceStateText('terminal', service({ name: 'terminal', state: 'failed' }))).toBe(
      'Terminal failed to start.',
    )
  })

  it('reads a service not yet reported, or stopped, as about to start', () => {
    expect(serviceStateText('terminal', undefined)).toBe('Starting Terminal…')
    expect(serviceStateText('vscode', service({ name: 'vscode', state: 'stopped' }))).toBe(
      'Starting VS Code…',
    )
  })
})

describe('what a service tab does next', () => {
  it('asks for a start once, then waits for it', () => {
    expect(serviceStep(undefined, false)).toBe('start')
    expect(serviceStep(service({ name: 'vscode', state: 'stopped' }), false)).toBe('start')
    expect(serviceStep(service({ name: 'vscode', state: 'stopped' }), true)).toBe('wait')
    expect(serviceStep(service({ name: 'vscode', state: 'starting' }), true)).toBe('wait')
    expect(serviceStep(service({ name: 'vscode', state: 'stopping' }), false)).toBe('wait')
  })

  it('opens a running service and reports a failed one', () => {
    expect(serviceStep(service({ name: 'vscode', state: 'running' }), false)).toBe('open')
    expect(serviceStep(service({ name: 'vscode', state: 'failed' }), true)).toBe('failed')
  })

  it('polls every second while a service moves or an opened tab waits, else every ten seconds', () => {
    expect(pollIntervalMs(undefined, [])).toBe(1000)
    expect(pollIntervalMs(services(service({ name: 'browser', state: 'starting' })), [])).toBe(1000)
    expect(pollIntervalMs(services(service({ name: 'vscode', state: 'stopped' })), ['vscode'])).toBe(1000)
    expect(pollIntervalMs(services(service({ name: 'vscode', state: 'running' })), ['vscode'])).toBe(10_000)
    expect(pollIntervalMs(services(service({ name: 'vscode', state: 'failed' })), ['vscode'])).toBe(10_000)
  })
})

describe('memory per service', () => {
  it('formats bytes as megabytes', () => {
    expect(formatMegabytes(312 * mb + 1000)).toBe('312 MB')
    expect(formatMegabytes(1000)).toBe('<1 MB')
    expect(formatMegabytes(1536 * mb)).toBe('1.5 GB')
  })

  it('lists running services in tab order', () => {
    const list = services(
      service({ name: 'browser', state: 'running', rssBytes: 450 * mb }),
      service({ name: 'vscode', state: 'running', rssBytes: 312 * mb }),
      service({ name: 'terminal', state: 'stopped', rssBytes: 0 }),
    )
    expect(memoryLabels(list)).toEqual(['VS Code · 312 MB', 'Browser · 450 MB'])
    expect(memoryLabels(undefined)).toEqual([])
  })
})

describe('where a panel lands after the exchange', () => {
  it('passes the theme, the terminal id and view-only access in the query', () => {
    expect(panelNext('/terminal/', { theme: 'dark', terminalId: '2' })).toBe('/terminal/?id=2&theme=dark')
    expect(panelNext('/browser/', { theme: 'light', access: 'view' })).toBe('/browser/?view=1&theme=light')
    expect(panelNext('/browser/', { theme: 'light', access: 'full' })).toBe('/browser/?theme=light')
  })
})

describe('ports and terminals', () => {
  it('accepts whole port numbers from 1 to 65535', () => {
    expect(parsePort('3000')).toBe(3000)
    expect(parsePort(' 8080 ')).toBe(8080)
    for (const text of ['', '0', '65536', '3.5', '-1', 'abc', '1e3']) expect(parsePort(text)).toBeNull()
  })

  it('numbers a new terminal after the highest open one', () => {
    expect(nextTerminalId([])).toBe('1')
    expect(nextTerminalId(['1'])).toBe('2')
    expect(nextTerminalId(['1', '3', 'x'])).toBe('4')
  })
})

describe('the split between the timeline and the panels', () => {
  it('keeps the panels between a quarter and three quarters of the width', () => {
    expect(clampSplit(0.1)).toBe(splitBounds.min)
    expect(clampSplit(0.9)).toBe(splitBounds.max)
    expect(clampSplit(Number.NaN)).toBe(splitBounds.initial)
  })

  it('reads a remembered size, or starts in the middle', () => {
    expect(parseStoredSplit(null)).toBe(0.5)
    expect(parseStoredSplit('0.6')).toBe(0.6)
    expect(parseStoredSplit('junk')).toBe(0.5)
    expect(parseStoredSplit('2')).toBe(0.75)
  })

  it('moves with the arrow keys (left widens the panels) and ignores other keys', () => {
    expect(splitAfterKey(0.5, 'ArrowLeft')).toBeCloseTo(0.55)
    expect(splitAfterKey(0.5, 'ArrowRight')).toBeCloseTo(0.45)
    expect(splitAfterKey(0.75, 'ArrowLeft')).toBe(0.75)
    expect(splitAfterKey(0.5, 'Home')).toBe(splitBounds.max)
    expect(splitAfterKey(0.5, 'End')).toBe(splitBounds.min)
    expect(splitAfterKey(0.5, 'Enter')).toBeNull()
  })

  it('follows the pointer: the panels span from it to the right edge', () => {
    expect(splitFromPointer(600, 0, 1000)).toBeCloseTo(0.4)
    expect(splitFromPointer(100, 0, 1000)).toBe(0.75)
    expect(splitFromPointer(500, 0, 0)).toBe(0.5)
  })
})
