// A dedicated worker that folds one session's stored log into its timeline (boot/log-fold.ts asks, once).
import { foldSessionLog } from '../session-log.ts'
import type { FoldReply, FoldRequest } from './log-fold.ts'

// `self` is the worker's global scope here, not a window (the client compiles against the DOM library only).
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<FoldRequest>) => void) | null
  postMessage(reply: FoldReply): void
}

scope.onmessage = async ({ data }) => {
  try {
    scope.postMessage({ state: await foldSessionLog(data.url) })
  } catch (error) {
    scope.postMessage({ error: error instanceof Error ? error.message : String(error) })
  }
}
