import { type ChildProcess, spawn } from 'node:child_process'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createInterface } from 'node:readline'
import type { Logger } from '../log.ts'
import type { Catalogue } from './browser-mcp-catalogue.ts'

/**
 * The agent's browser tools, as a remote MCP server (Streamable HTTP, JSON answers) on the sandbox's loopback,
 * inside the runner. OpenCode connects to its MCP servers at every session's first prompt; Playwright MCP costs
 * ~135 MB and ~1 s to answer, and a stand-in process of its own still ~50 MB. Here `initialize`, `tools/list` and
 * `ping` are answered from a catalogue recorded from the real server, at no cost; the real Playwright MCP starts
 * (on stdio) only when the agent first calls a browser tool, and every later request is relayed to it.
 */
export type BrowserMcpOptions = {
  port: number
  /** The real server: `[node, @playwright/mcp/cli.js, ...args]`. */
  command: string[]
  env?: NodeJS.ProcessEnv
  catalogue: Catalogue
  log: Logger
}

type Message = {
  jsonrpc: '2.0'
  id?: string | number
  method?: string
  params?: unknown
  result?: unknown
  error?: unknown
}

const MAX_BODY_BYTES = 8 * 1024 * 1024
/** Our own request ids towards the real server, which the agent's ids can never collide with. */
const ID_PREFIX = 'agent-ops-relay-'

export type BrowserMcpEndpoint = { readonly realServerPid: number | undefined; close(): Promise<void> }

export async function startBrowserMcpEndpoint(opts: BrowserMcpOptions): Promise<BrowserMcpEndpoint> {
  const relay = new RealServerRelay(opts)
  const server: Server = createServer((req, res) => {
    handle(req, res, opts.catalogue, relay).catch((error: Error) => {
      opts.log.warn('browser MCP request failed', { error })
      if (!res.headersSent) reply(res, 500, { error: error.message })
      else res.destroy()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  return {
    get realServerPid() {
      return relay.pid
    },
    async close() {
      server.close()
      server.closeAllConnections()
      relay.stop()
    },
  }
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  catalogue: Catalogue,
  relay: RealServerRelay,
) {
  if (req.method === 'DELETE') return reply(res, 200, {})
  // No server-initiated stream: the spec's answer to a GET is 405.
  if (req.method !== 'POST')
    return reply(res, 405, { error: 'POST JSON-RPC messages here' }, { allow: 'POST' })
  let message: Message
  try {
    message = JSON.parse(await readBody(req)) as Message
  } catch (error) {
    return reply(res, 400, rpcError(null, -32700, `not a JSON-RPC message: ${(error as Error).message}`))
  }
  if (Array.isArray(message) || message.jsonrpc !== '2.0')
    return reply(res, 400, rpcError(null, -32600, 'send one JSON-RPC 2.0 message per request'))
  const { id, method } = message
  // Notifications and answers need no reply (the real server asks the client nothing we let through).
  if (id === undefined || method === undefined) {
    if (relay.started && method?.startsWith('notifications/') && method !== 'notifications/initialized')
      relay.notify(message)
    return reply(res, 202, undefined)
  }
  if (method === 'initialize') {
    relay.rememberInitialize(message)
    const requested = (message.params as { protocolVersion?: string } | undefined)?.protocolVersion
    return reply(res, 200, {
      jsonrpc: '2.0',
      id,
      result: { protocolVersion: requested, ...catalogue.initialize },
    })
  }
  if (method === 'tools/list' && !relay.started)
    return reply(res, 200, { jsonrpc: '2.0', id, result: { tools: catalogue.tools } })
  if (method === 'ping') return reply(res, 200, { jsonrpc: '2.0', id, result: {} })
  try {
    const answer = await relay.request(message)
    return reply(res, 200, { ...answer, id })
  } catch (error) {
    return reply(res, 200, rpcError(id, -32603, (error as Error).message))
  }
}

/** The real Playwright MCP on stdio, started on first need; restarted on the next request if it dies. */
class RealServerRelay {
  #child: ChildProcess | undefined
  #ready: Promise<void> | undefined
  #initialize: Message | undefined
  #pending = new Map<string, (answer: Message) => void>()
  #next = 0
  readonly #opts: BrowserMcpOptions

  constructor(opts: BrowserMcpOptions) {
    this.#opts = opts
  }

  get started() {
    return this.#child !== undefined
  }

  get pid() {
    return this.#child?.pid
  }

  rememberInitialize(message: Message) {
    this.#initialize = message
  }

  notify(message: Message) {
    this.#child?.stdin?.write(`${JSON.stringify(message)}\n`)
  }

  async request(message: Message): Promise<Message> {
    await this.#start()
    return this.#send(message)
  }

  stop() {
    const child = this.#child
    this.#child = undefined
    this.#ready = undefined
    if (child?.pid) signalGroup(child.pid, 'SIGKILL')
  }

  #send(message: Message): Promise<Message> {
    const relayId = `${ID_PREFIX}${this.#next++}`
    return new Promise((resolve) => {
      this.#pending.set(relayId, resolve)
      this.#child?.stdin?.write(`${JSON.stringify({ ...message, id: relayId })}\n`)
    })
  }

  #start(): Promise<void> {
    this.#ready ??= (async () => {
      const [command, ...args] = this.#opts.command
      this.#opts.log.info('starting the browser MCP server (first browser tool call)')
      // Its own process group: stopping it also stops whatever it started.
      const child = spawn(command as string, args, {
        env: this.#opts.env ?? process.env,
        stdio: ['pipe', 'pipe', 'ignore'],
        detached: true,
      })
      this.#child = child
      child.once('exit', (code, signal) => {
        this.#opts.log.warn('the browser MCP server exited', { code, signal })
        if (this.#child === child) {
          this.#child = undefined
          this.#ready = undefined
        }
        for (const [relayId, resolve] of this.#pending)
          resolve(rpcError(relayId, -32603, 'the browser tools stopped; try again'))
        this.#pending.clear()
      })
      child.stdin?.on('error', () => {})
      child.once('error', (error) => {
        this.#opts.log.warn('the browser MCP server cannot start', { error })
        for (const [relayId, resolve] of this.#pending) resolve(rpcError(relayId, -32603, error.message))
        this.#pending.clear()
      })
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        let answer: Message
        try {
          answer = JSON.parse(line) as Message
        } catch {
          return
        }
        if (answer.method !== undefined && answer.id !== undefined) {
          // A request from the server (roots, sampling): this client offers none of that.
          child.stdin?.write(`${JSON.stringify(rpcError(answer.id, -32601, 'not supported'))}\n`)
          return
        }
        const resolve = answer.id === undefined ? undefined : this.#pending.get(String(answer.id))
        if (!resolve) return
        this.#pending.delete(String(answer.id))
        resolve(answer)
      })
      const clientInit = this.#initialize?.params as { protocolVersion?: string } | undefined
      const init = await this.#send({
        jsonrpc: '2.0',
        method: 'initialize',
        params: {
          protocolVersion: clientInit?.protocolVersion ?? '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'agent-ops-runner', version: '1' },
        },
      })
      if (init.error)
        throw new Error(`the browser MCP server refused to start: ${JSON.stringify(init.error)}`)
      this.notify({ jsonrpc: '2.0', method: 'notifications/initialized' })
    })()
    // A failed start is retried by the next request.
    this.#ready.catch(() => this.stop())
    return this.#ready
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pid, signal)
  } catch {
    // Already gone.
  }
}

function rpcError(id: string | number | null, code: number, message: string): Message {
  return { jsonrpc: '2.0', ...(id === null ? {} : { id }), error: { code, message } } as Message
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  if (body === undefined) {
    res.writeHead(status, headers)
    return res.end()
  }
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  })
  res.end(text)
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) throw new Error('message too large')
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}
