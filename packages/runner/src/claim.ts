import { watch } from 'node:fs'
import { access } from 'node:fs/promises'
import { basename, dirname } from 'node:path'

/**
 * A warm-pool runner starts OpenCode at once but connects to the server only once its sandbox is claimed by a
 * session: the server then creates AGENT_OPS_CLAIM_FILE (in the control directory, read-only to the sandbox).
 */
export function waitForClaim(path: string): Promise<void> {
  return new Promise((resolve) => {
    let done = false
    const check = () =>
      access(path).then(
        () => {
          if (done) return
          done = true
          watcher?.close()
          clearInterval(poll)
          resolve()
        },
        () => {},
      )
    let watcher: ReturnType<typeof watch> | undefined
    try {
      watcher = watch(dirname(path), (_event, name) => {
        if (!name || name === basename(path)) void check()
      })
    } catch {
      // No inotify: the poll below still notices.
    }
    // A quick poll too: inotify on a directory bound into the sandbox does not reliably report files the
    // host creates, and a claim is waited for by a person (a stat every 25 ms costs nothing measurable).
    const poll = setInterval(check, 25)
    void check()
  })
}
