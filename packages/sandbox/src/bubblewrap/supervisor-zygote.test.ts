import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { SupervisorZygote } from './supervisor-zygote.ts'

/**
 * A stand-in for `supervisor.py zygote`, run by the real python3 as the zygote is. The first one started closes its
 * stdin at once (a request to it fails with EPIPE) and exits 2 s later; the next ones answer each request with
 * a made-up pid 3 s after it.
 */
const standIn = `
import os, sys, time
marker = os.path.join(os.path.dirname(sys.argv[0]), 'first-started')
if not os.path.exists(marker):
    open(marker, 'w').close()
    os.close(0)
    time.sleep(2)
    sys.exit(1)
for line in sys.stdin:
    time.sleep(3)
    print(4242, flush=True)
`

describe('SupervisorZygote', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aops-zygote-unit-'))
  const script = join(dir, 'zygote.py')
  writeFileSync(script, standIn)
  const zygote = new SupervisorZygote('/usr/bin/python3', script)
  afterAll(() => {
    zygote.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('a zygote replaced after a failed write does not fail its successor’s requests when it exits', async () => {
    zygote.warm()
    while (!existsSync(join(dir, 'first-started'))) await new Promise((resolve) => setTimeout(resolve, 10))
    await new Promise((resolve) => setTimeout(resolve, 100)) // its stdin closed
    // Sent to the first zygote, which no longer reads: the write fails (EPIPE), the request is lost.
    const sent = Date.now()
    expect(await zygote.fork('/spec-a', {})).toBe('lost')
    expect(Date.now() - sent, 'lost at the failed write, not at its exit').toBeLessThan(1_500)
    // The next goes to a new zygote, which answers after the first one has exited.
    expect(await zygote.fork('/spec-b', {})).toBe(4242)
  }, 15_000)

  it('after close, forks are not attempted', async () => {
    zygote.close()
    expect(await zygote.fork('/spec-c', {})).toBe('unavailable')
  })
})
