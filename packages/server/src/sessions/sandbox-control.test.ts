import type { SandboxHandle, SandboxProvider } from '@agent-ops/sandbox'
import { afterEach, describe, expect, it } from 'vitest'
import { createLogger } from '../logger.ts'
import type { ControlSockets } from './control-sockets.ts'
import { type EventLogFixture, fixtureSessionId as id, openEventLogFixture } from './event-log.testing.ts'
import type { RunnerLinks } from './ports.ts'
import { SandboxControl } from './sandbox-control.ts'
import { SessionStore } from './session-store.ts'
import { Transitions } from './transitions.ts'

/** A provider whose start waits until the test lets it finish, recording what it is asked to do, in order. */
function slowStartProvider() {
  const calls: string[] = []
  let finishStart!: () => void
  let startCalled!: () => void
  const started = new Promise<void>((resolve) => (startCalled = resolve))
  const provider: SandboxProvider = {
    name: 'slow-start',
    capabilities: { isolation: 'none', hibernate: false, exec: false, panels: false },
    async create() {
      calls.push('create')
      return { provider: 'slow-start', sandboxId: id, data: {} } satisfies SandboxHandle
    },
    start() {
      calls.push('start')
      startCalled()
      return new Promise<void>((resolve) => {
        finishStart = () => {
          calls.push('runner spawned')
          resolve()
        }
      })
    },
    async status() {
      return 'running'
    },
    async destroy() {
      calls.push('destroy')
    },
  }
  return { provider, calls, started, finishStart: () => finishStart() }
}

describe('SandboxControl', () => {
  let fixture: EventLogFixture | undefined
  let transitions: Transitions | undefined
  afterEach(async () => {
    transitions?.disarmAll()
    await fixture?.close()
  })

  it('a teardown (a stop) while the sandbox starts waits for the start, so it removes the runner too', async () => {
    fixture = await openEventLogFixture()
    const logger = createLogger('silent')
    transitions = new Transitions(fixture.log, fixture.bus, logger, {
      bootTimeoutMs: 60_000,
      stopTimeoutMs: 60_000,
    })
    const slow = slowStartProvider()
    const control = new SandboxControl({
      provider: slow.provider,
      store: new SessionStore(fixture.database.db),
      log: fixture.log,
      transitions,
      launch: async () => ({ controlUrl: 'ws://unused', controlToken: 'unused', opencodeConfig: {} }),
      channels: { listen: async () => {}, close: async () => {} } as unknown as ControlSockets,
      runners: {} as RunnerLinks,
      logger,
    })

    const booting = control.boot(id)
    await slow.started
    // As SessionService.stop does: the session is stopping, then its sandbox is torn down.
    expect(await transitions.to(id, 'stopping')).toBe(true)
    const tearingDown = control.teardown(id)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(slow.calls).toEqual(['create', 'start']) // no destroy while the runner is being spawned

    slow.finishStart()
    await tearingDown
    await booting
    expect(slow.calls).toEqual(['create', 'start', 'runner spawned', 'destroy'])
  })
})
