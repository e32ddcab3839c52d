// The server half of the runner protocol, for tests: welcome, cumulative acks, exactly-once storage by
// (runnerId, seq), and knobs to drop connections and hold acks back.
import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import {
  type AgentEvent,
  RunnerPath,
  type RunnerSessionConfig,
  RunnerToServer,
  type ServerToRunner,
} from '@agent-ops/protocol'
import { type WebSocket, WebSocketServer } from 'ws'

export type StoredEvent = { runnerId: string; seq: number; event: AgentEvent }

export type TestControlServer = {
  url: string
  token: string
  /** Every event stored, once each, in arrival order. */
  stored: StoredEvent[]
  /** Frames that repeated an already stored (runnerId, seq). */
  duplicates: number
  /** Sequence numbers that skipped ahead of the next expected one (must stay empty). */
  gaps: Array<{ runnerId: string; expected: number; got: number }>
  hellos: Array<{ runnerId: string; pid: number; agentVersion?: string }>
  /** Upgrade attempts refused for a wrong token. */
  refused: number
  session: RunnerSessionConfig
  events(): AgentEvent[]
  prompt(text: string, model?: string): string
  abort(): void
  /** Sends anything, valid or not, to every connected runner. */
  sendRaw(message: unknown): void
  /** Kills every open socket without a close handshake; the server keeps listening. */
  dropConnections(): void
  holdAcks(hold: boolean): void
  /** Event frames arriving while set are thrown away, as if lost with a dying connection. */
  loseIncoming(lose: boolean): void
  /** Event frames received, lost or not, duplicates included. */
  framesReceived: number
  waitFor(predicate: (event: AgentEvent) => boolean, timeoutMs?: number, from?: number): Promise<AgentEvent>
  close(): Promise<void>
}

export async function startControlServer(session: RunnerSessionConfig): Promise<TestControlServer> {
  const token = randomBytes(16).toString('hex')
  const lastSeq = new Map<string, number>()
  const sockets = new Set<WebSocket>()
  let holding = false
  let losing = false
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    path: RunnerPath,
    verifyClient: (info, callback) => {
      const ok = info.req.headers.authorization === `Bearer ${token}`
      if (!ok) server.refused++
      callback(ok, 401)
    },
  })
  await new Promise<void>((resolve) => wss.once('listening', resolve))
  const send = (ws: WebSocket, message: ServerToRunner) => ws.send(JSON.stringify(message))
  const waiters = new Set<() => void>()

  wss.on('connection', (ws) => {
    sockets.add(ws)
    let runnerId: string | undefined
    ws.on('close', () => sockets.delete(ws))
    ws.on('message', (data) => {
      const message = RunnerToServer.parse(JSON.parse(data.toString()))
      if (message.type === 'hello') {
        runnerId = message.runnerId
        server.hellos.push(message)
        send(ws, { type: 'welcome', lastSeq: lastSeq.get(runnerId) ?? 0, session: server.session })
        return
      }
      if (!runnerId) throw new Error('event before hello')
      server.framesReceived++
      if (losing) return
      const last = lastSeq.get(runnerId) ?? 0
      if (message.seq <= last) server.duplicates++
      else {
        if (message.seq !== last + 1) server.gaps.push({ runnerId, expected: last + 1, got: message.seq })
        lastSeq.set(runnerId, message.seq)
        server.stored.push({ runnerId, seq: message.seq, event: message.event })
        for (const wake of waiters) wake()
      }
      if (!holding) send(ws, { type: 'ack', seq: lastSeq.get(runnerId) ?? 0 })
    })
  })

  const broadcast = (message: ServerToRunner) => {
    for (const ws of sockets) send(ws, message)
  }

  const server: TestControlServer = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}${RunnerPath}`,
    token,
    stored: [],
    duplicates: 0,
    gaps: [],
    hellos: [],
    refused: 0,
    session,
    events: () => server.stored.map((s) => s.event),
    prompt(text, model) {
      const messageId = `m_${randomBytes(6).toString('hex')}`
      broadcast({ type: 'prompt', messageId, text, ...(model ? { model } : {}) })
      return messageId
    },
    abort: () => broadcast({ type: 'abort' }),
    sendRaw(message) {
      for (const ws of sockets) ws.send(JSON.stringify(message))
    },
    dropConnections() {
      for (const ws of sockets) ws.terminate()
    },
    holdAcks(hold) {
      holding = hold
    },
    loseIncoming(lose) {
      losing = lose
    },
    framesReceived: 0,
    waitFor(predicate, timeoutMs = 30_000, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = server.events().slice(from).find(predicate)
          if (!found) return false
          cleanup()
          resolve(found)
          return true
        }
        const timer = setTimeout(() => {
          cleanup()
          const types = server.events().map((e) => e.type)
          reject(new Error(`timed out after ${timeoutMs} ms; events so far: ${types.join(', ')}`))
        }, timeoutMs)
        const wake = () => void check()
        const cleanup = () => {
          clearTimeout(timer)
          waiters.delete(wake)
        }
        waiters.add(wake)
        check()
      })
    },
    async close() {
      for (const ws of sockets) ws.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
    },
  }
  return server
}
