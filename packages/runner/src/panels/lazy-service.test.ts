import { describe, expect, it } from 'vitest'
import { spawnGroup } from './child-group.ts'
import { type Launcher, LazyService } from './lazy-service.ts'

/** A real service: a shell in its own process group, with a child of its own. */
function shellService(counter: {
  launches: number
}): Launcher<{ pid: number } & import('./lazy-service.ts').Launched> {
  return async (setStep) => {
    counter.launches++
    setStep('Starting the shell')
    const group = await spawnGroup('sh', ['-c', 'sleep 60 & wait'], { cwd: '/', env: process.env })
    return {
      pid: group.pid,
      pids: () => [group.pid],
      died: group.exited.then(({ code, signal }) => `sh exited (code ${code}, signal ${signal})`),
      stop: () => group.stop(),
    }
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('LazyService', () => {
  it('starts once however often asked, and stops its whole process group', async () => {
    const counter = { launches: 0 }
    const service = new LazyService('vscode', shellService(counter))
    expect(service.describe(0)).toEqual({ name: 'vscode', state: 'stopped', rssBytes: 0 })
    const starting = [service.start(), service.start()]
    expect(service.describe(0)).toMatchObject({ state: 'starting', step: 'Starting the shell' })
    await Promise.all(starting)
    await service.start()
    expect(counter.launches).toBe(1)
    expect(service.describe(0)).toMatchObject({ state: 'running', startedAt: expect.any(String) })
    const pid = service.running?.pid as number
    expect(alive(pid)).toBe(true)
    await service.stop()
    expect(alive(pid)).toBe(false)
    expect(service.describe(0).state).toBe('stopped')
    expect(service.pids()).toEqual([])
  })

  it('says it failed when its process dies, and starts again on the next request', async () => {
    const counter = { launches: 0 }
    const service = new LazyService('browser', shellService(counter))
    await service.start()
    const died = service.running?.died as Promise<string>
    process.kill(-(service.running?.pid as number), 'SIGKILL')
    await died
    await new Promise((resolve) => setImmediate(resolve))
    expect(service.describe(0)).toMatchObject({ state: 'failed', error: expect.stringMatching(/SIGKILL/) })
    await service.start()
    expect(service.state).toBe('running')
    expect(counter.launches).toBe(2)
    await service.stop()
  })

  it('reports a launch that fails, with its reason', async () => {
    const service = new LazyService('vscode', async () => {
      throw new Error('no display')
    })
    await expect(service.start()).rejects.toThrow('no display')
    expect(service.describe(0)).toMatchObject({ state: 'failed', error: 'no display' })
  })

  it('is idle only while running, with no open connection and no request for the idle time', async () => {
    const service = new LazyService('browser', shellService({ launches: 0 }))
    expect(service.idle(Date.now() + 10_000, 1_000)).toBe(false) // stopped: nothing to stop
    await service.start()
    const release = service.acquire()
    expect(service.idle(Date.now() + 10_000, 1_000)).toBe(false)
    release()
    release() // a second release changes nothing
    expect(service.idle(Date.now(), 1_000)).toBe(false)
    expect(service.idle(Date.now() + 10_000, 1_000)).toBe(true)
    await service.stop()
  })
})
