import { type IncomingHttpHeaders, type IncomingMessage, request, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'

/**
 * Forwarding to a runner's panel socket (a Unix socket on the host): bodies stream both ways, WebSockets are
 * spliced after the runner's 101. Plain node:http, so nothing is buffered and backpressure holds.
 */

/** Hop-by-hop headers: they describe one connection, never forwarded (RFC 9110 7.6.1). */
const hopByHop = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
]

export type Forward = {
  socketPath: string
  /** Path and query, already normalised. */
  path: string
  headers: IncomingHttpHeaders
}

/** A connection failure that means "nothing listens there": the sandbox is not running. */
export const isUnreachable = (error: unknown) =>
  ['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EACCES', 'ENOTSOCK'].includes(
    (error as NodeJS.ErrnoException).code ?? '',
  )

export function forwardHttp(
  req: IncomingMessage,
  res: ServerResponse,
  target: Forward,
  onUnreachable: (error: Error) => void,
): void {
  const headers = { ...target.headers }
  for (const name of hopByHop) delete headers[name]
  const upstream = request({ socketPath: target.socketPath, method: req.method, path: target.path, headers })
  upstream.on('response', (answer) => {
    const out: Record<string, string | string[]> = {}
    for (const [name, value] of Object.entries(answer.headers))
      if (value !== undefined && !hopByHop.includes(name)) out[name] = value
    res.writeHead(answer.statusCode ?? 502, answer.statusMessage, out)
    answer.pipe(res)
    answer.on('error', () => res.destroy())
  })
  upstream.on('error', (error) => {
    if (!res.headersSent) onUnreachable(error)
    else res.destroy()
  })
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy()
  })
  req.pipe(upstream)
}

export function forwardUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  target: Forward,
  onUnreachable: (error: Error) => void,
): void {
  const headers = { ...target.headers }
  delete headers['transfer-encoding']
  headers.connection = 'Upgrade'
  const upstream = request({ socketPath: target.socketPath, method: req.method, path: target.path, headers })
  socket.on('error', () => upstream.destroy())
  upstream.on('upgrade', (answer, upstreamSocket, upstreamHead) => {
    socket.write(statusAndHeaders(101, answer.statusMessage || 'Switching Protocols', answer.rawHeaders))
    if (upstreamHead.length > 0) socket.write(upstreamHead)
    if (head.length > 0) upstreamSocket.write(head)
    upstreamSocket.on('error', () => socket.destroy())
    socket.on('error', () => upstreamSocket.destroy())
    upstreamSocket.on('close', () => socket.destroy())
    socket.on('close', () => upstreamSocket.destroy())
    upstreamSocket.pipe(socket)
    socket.pipe(upstreamSocket)
  })
  // The runner refused the upgrade: pass its answer on and close.
  upstream.on('response', (answer) => {
    const raw = answer.rawHeaders.filter((_, i, all) => {
      const name = (i % 2 === 0 ? all[i] : all[i - 1])?.toLowerCase() ?? ''
      return !hopByHop.includes(name)
    })
    socket.write(statusAndHeaders(answer.statusCode ?? 502, answer.statusMessage ?? '', raw, true))
    answer.pipe(socket)
  })
  upstream.on('error', (error) => {
    if (socket.writable) onUnreachable(error)
  })
  upstream.end()
}

function statusAndHeaders(status: number, message: string, rawHeaders: string[], close = false): string {
  const lines = [`HTTP/1.1 ${status} ${message}`]
  for (let i = 0; i < rawHeaders.length; i += 2) lines.push(`${rawHeaders[i]}: ${rawHeaders[i + 1]}`)
  if (close) lines.push('Connection: close')
  return `${lines.join('\r\n')}\r\n\r\n`
}

/** A short answer on a raw socket (refused upgrades). */
export function refuseUpgrade(socket: Duplex, status: number, reason: string, message: string): void {
  const body = Buffer.from(`${message}\n`)
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
  )
}

/** A JSON request to the runner's own API on its panel socket (`/_runner/...`). */
export function runnerJson(socketPath: string, method: string, path: string, timeoutMs = 10_000) {
  return new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    const req = request(
      {
        socketPath,
        method,
        path,
        headers: { accept: 'application/json', 'x-agent-ops-access': 'full', host: 'runner' },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let body: unknown = text
          try {
            body = JSON.parse(text)
          } catch {}
          resolve({ status: res.statusCode ?? 502, body })
        })
        res.on('error', reject)
      },
    )
    req.on('timeout', () =>
      req.destroy(Object.assign(new Error('the runner did not answer'), { code: 'ETIMEDOUT' })),
    )
    req.on('error', reject)
    req.end()
  })
}
