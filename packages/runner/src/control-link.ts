import {
  type AgentEvent,
  type RunnerSessionConfig,
  type RunnerToServer,
  ServerToRunner,
} from '@agent-ops/protocol'
import WebSocket from 'ws'
import { EventBuffer } from './event-buffer.ts'
import type { Logger } from './log.ts'

/**
 * The runner's WebSocket to the server's runner hub: hello/welcome, events with sequence numbers kept until
 * acknowledged and resent after a reconnect, reconnection with backoff, and the orphan timeout.
 */
export type PromptMessage = Extract<ServerToRunner, { type: 'prompt' }>

export type ControlLinkOptions = {
  /** ws://, wss:// or ws+unix:///path/to.sock:/internal/runner */
  url: string
  token: string
  runnerId: string
  agentVersion: () => string | undefined
  orphanTimeoutMs: number
  log: Logger
  onWelcome(session: RunnerSessionConfig): void
  onPrompt(prompt: PromptMessage): void
  onAbort(): void
  /** The server was unreachable for `orphanTimeoutMs`. */
  onOrphaned(): void
  bufferCapacity?: number
  backoffInitialMs?: number
  backoffMaxMs?: number
  pingIntervalMs?: number
}

const DEFAULTS = {
  backoffInitialMs: 100,
  backoffMaxMs: 2_000,
  pingIntervalMs: 15_000,
  handshakeTimeoutMs: 10_000,
}

export class ControlLink {
  readonly #opts: ControlLinkOptions
  readonly #buffer: EventBuffer
  #ws: WebSocket | undefined
  /** True between a welcome and the socket's end: events may be sent. */
  #ready = false
  #closing = false
  #attempt = 0
  #reconnectTimer: NodeJS.Timeout | undefined
  #orphanTimer: NodeJS.Timeout | undefined
  #pingTimer: NodeJS.Timeout | undefined
  #drainWaiters: Array<() => void> = []

  constructor(opts: ControlLinkOptions) {
    this.#opts = opts
    this.#buffer = new EventBuffer(opts.bufferCapacity)
  }

  get connected(): boolean {
    return this.#ready
  }

  /** Events held until the server acknowledges them. */
  get unacknowledged(): number {
    return this.#buffer.size
  }

  start(): void {
    this.#armOrphanTimer()
    this.#connect()
  }

  send(event: AgentEvent): void {
    const result = this.#buffer.push(event)
    if (result.merged > 0 || result.dropped > 0 || result.overCapacity) {
      const fields = { ...result, size: this.#buffer.size, capacity: this.#buffer.capacity }
      if (result.dropped > 0 || result.overCapacity) this.#opts.log.error('event buffer full', fields)
      else this.#opts.log.warn('event buffer full: merged text deltas', fields)
    }
    if (this.#ready) this.#flush()
  }

  /** Waits until every event is acknowledged; false when `timeoutMs` passed first. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.#buffer.size === 0) return true
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs)
      this.#drainWaiters.push(() => {
        clearTimeout(timer)
        resolve(true)
      })
    })
  }

  async close(): Promise<void> {
    this.#closing = true
    this.#ready = false
    clearTimeout(this.#reconnectTimer)
    clearTimeout(this.#orphanTimer)
    clearInterval(this.#pingTimer)
    const ws = this.#ws
    if (!ws || ws.readyState === WebSocket.CLOSED) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        ws.terminate()
        resolve()
      }, 1_000)
      ws.once('close', () => {
        clearTimeout(timer)
        resolve()
      })
      ws.close(1000, 'runner stopping')
    })
  }

  #connect() {
    if (this.#closing) return
    const ws = new WebSocket(this.#opts.url, {
      headers: { authorization: `Bearer ${this.#opts.token}` },
      handshakeTimeout: DEFAULTS.handshakeTimeoutMs,
    })
    this.#ws = ws
    let alive = true
    ws.on('open', () => {
      const agentVersion = this.#opts.agentVersion()
      this.#write(ws, {
        type: 'hello',
        runnerId: this.#opts.runnerId,
        pid: process.pid,
        ...(agentVersion ? { agentVersion } : {}),
      })
      clearInterval(this.#pingTimer)
      // A silent peer (half-open connection) is dropped after one missed pong.
      this.#pingTimer = setInterval(() => {
        if (!alive) return ws.terminate()
        alive = false
        ws.ping()
      }, this.#opts.pingIntervalMs ?? DEFAULTS.pingIntervalMs)
    })
    ws.on('pong', () => {
      alive = true
    })
    ws.on('message', (data, isBinary) => {
      alive = true
      if (isBinary) return this.#opts.log.warn('ignoring a binary frame from the server')
      this.#onMessage(ws, data.toString())
    })
    ws.on('unexpected-response', (_request, response) => {
      this.#opts.log.warn('control link refused', { status: response.statusCode })
      ws.terminate()
    })
    ws.on('error', (error) => {
      this.#opts.log.warn('control link error', { error: error.message })
    })
    ws.on('close', (code) => {
      if (this.#ws !== ws) return
      clearInterval(this.#pingTimer)
      const wasReady = this.#ready
      this.#ready = false
      if (this.#closing) return
      if (wasReady) {
        this.#opts.log.warn('control link lost', { code, unacknowledged: this.#buffer.size })
        this.#armOrphanTimer()
      }
      this.#scheduleReconnect()
    })
  }

  #onMessage(ws: WebSocket, text: string) {
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      return this.#opts.log.warn('ignoring a frame that is not JSON')
    }
    const parsed = ServerToRunner.safeParse(json)
    if (!parsed.success) {
      const type = (json as { type?: unknown } | null)?.type
      return this.#opts.log.warn('ignoring an unknown server message', { type: String(type) })
    }
    const message = parsed.data
    switch (message.type) {
      case 'welcome': {
        this.#ready = true
        this.#attempt = 0
        clearTimeout(this.#orphanTimer)
        const resend = this.#buffer.resume(message.lastSeq)
        this.#opts.log.info('control link ready', { lastSeq: message.lastSeq, resending: resend.length })
        for (const item of resend) this.#write(ws, { type: 'event', seq: item.seq, event: item.event })
        this.#flush()
        this.#notifyDrained()
        this.#opts.onWelcome(message.session)
        break
      }
      case 'ack':
        this.#buffer.ack(message.seq)
        this.#notifyDrained()
        break
      case 'prompt':
        this.#opts.onPrompt(message)
        break
      case 'abort':
        this.#opts.onAbort()
        break
    }
  }

  #flush() {
    const ws = this.#ws
    if (!ws) return
    for (const item of this.#buffer.takeUnsent())
      this.#write(ws, { type: 'event', seq: item.seq, event: item.event })
  }

  #write(ws: WebSocket, message: RunnerToServer) {
    // A closed socket drops the frame; the event stays buffered and is resent after the next welcome.
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message))
  }

  #notifyDrained() {
    if (this.#buffer.size > 0) return
    const waiters = this.#drainWaiters
    this.#drainWaiters = []
    for (const wake of waiters) wake()
  }

  #scheduleReconnect() {
    const initial = this.#opts.backoffInitialMs ?? DEFAULTS.backoffInitialMs
    const max = this.#opts.backoffMaxMs ?? DEFAULTS.backoffMaxMs
    const base = Math.min(max, initial * 2 ** this.#attempt)
    this.#attempt++
    // Jitter: between half and all of the base delay, so many runners do not reconnect in lockstep.
    const delayMs = base / 2 + Math.random() * (base / 2)
    this.#reconnectTimer = setTimeout(() => this.#connect(), delayMs)
  }

  #armOrphanTimer() {
    clearTimeout(this.#orphanTimer)
    this.#orphanTimer = setTimeout(() => {
      if (this.#ready || this.#closing) return
      this.#opts.log.error('server unreachable: giving up', { orphanTimeoutMs: this.#opts.orphanTimeoutMs })
      this.#opts.onOrphaned()
    }, this.#opts.orphanTimeoutMs)
  }
}
