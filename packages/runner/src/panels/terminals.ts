import type { TerminalClientMessage, TerminalServerMessage } from '@agent-ops/protocol'
import type { IPty } from '@lydell/node-pty'
import type { WebSocket } from 'ws'
import { serviceEnv } from './child-group.ts'
import type { Launched, Launcher } from './lazy-service.ts'
import { Scrollback } from './scrollback.ts'

/**
 * The sandbox's terminals: login shells on pseudo-terminals, by client-chosen id. A terminal outlives its
 * WebSockets (a reconnect gets the scrollback, then the live stream; several clients may share one) and ends
 * when its shell exits. node-pty is loaded on the first terminal only, so an idle runner never loads it.
 */
type Terminal = { pty: IPty; scrollback: Scrollback; clients: Set<WebSocket> }
type PtyModule = typeof import('@lydell/node-pty')

export class Terminals {
  readonly #terminals = new Map<string, Terminal>()
  readonly #opts: { workspace: string; home: string }
  #pty: PtyModule | undefined

  constructor(opts: { workspace: string; home: string }) {
    this.#opts = opts
  }

  /** The terminal service's launcher: loading node-pty is all "starting" means; stopping ends every shell. */
  launcher(): Launcher<Launched> {
    return async (setStep) => {
      setStep('Loading the terminal')
      this.#pty ??= await import('@lydell/node-pty')
      return {
        pids: () => [...this.#terminals.values()].map((terminal) => terminal.pty.pid),
        // Shells come and go; the service itself never dies.
        died: new Promise<string>(() => {}),
        stop: async () => this.closeAll(),
      }
    }
  }

  /** Attaches a client to terminal `id`, creating it if needed (the service must be running). */
  attach(id: string, socket: WebSocket, size: { cols: number; rows: number }) {
    const pty = this.#pty
    if (!pty) throw new Error('the terminal service is not running')
    let terminal = this.#terminals.get(id)
    if (terminal) {
      send(socket, { type: 'output', data: terminal.scrollback.text() })
    } else {
      terminal = this.#create(pty, id, size)
      // The protocol promises a first `output` frame, even before the shell printed anything.
      send(socket, { type: 'output', data: '' })
    }
    const current = terminal
    current.clients.add(socket)
    socket.on('message', (data, isBinary) => {
      if (isBinary) return
      let message: TerminalClientMessage
      try {
        message = JSON.parse(data.toString()) as TerminalClientMessage
      } catch {
        return
      }
      if (message.type === 'input' && typeof message.data === 'string') current.pty.write(message.data)
      else if (message.type === 'resize' && validSize(message.cols) && validSize(message.rows))
        current.pty.resize(message.cols, message.rows)
    })
    socket.once('close', () => current.clients.delete(socket))
  }

  #create(pty: PtyModule, id: string, size: { cols: number; rows: number }): Terminal {
    const shell = process.env.SHELL || '/bin/bash'
    const proc = pty.spawn(shell, ['-l'], {
      name: 'xterm-256color',
      cols: size.cols,
      rows: size.rows,
      cwd: this.#opts.workspace,
      env: serviceEnv({ HOME: this.#opts.home, TERM: 'xterm-256color' }) as Record<string, string>,
    })
    const terminal: Terminal = { pty: proc, scrollback: new Scrollback(), clients: new Set() }
    this.#terminals.set(id, terminal)
    proc.onData((data) => {
      terminal.scrollback.push(data)
      for (const client of terminal.clients) send(client, { type: 'output', data })
    })
    proc.onExit(({ exitCode }) => {
      if (this.#terminals.get(id) === terminal) this.#terminals.delete(id)
      for (const client of terminal.clients) {
        send(client, { type: 'exit', code: exitCode })
        client.close(1000, 'the shell exited')
      }
      terminal.clients.clear()
    })
    return terminal
  }

  closeAll() {
    for (const terminal of this.#terminals.values()) {
      try {
        // SIGHUP, as when a terminal window closes: the shell passes it on to its jobs.
        terminal.pty.kill('SIGHUP')
      } catch {
        // Already gone.
      }
    }
  }
}

function validSize(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 1000
}

function send(socket: WebSocket, message: TerminalServerMessage) {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message))
}
