import { type IncomingMessage, request, type ServerResponse } from 'node:http'
import { connect, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'

/**
 * A streaming reverse proxy to a loopback port inside the sandbox (code-server, a forwarded port): HTTP by
 * piping requests, WebSocket (any upgrade) by writing the request head to a TCP connection and piping bytes.
 * Headers pass unchanged (Host and Origin included: code-server checks they agree).
 */
export type ProxyTarget = { port: number; path: string }

/** What the client is told when the port refuses the connection. */
export type RefusedHandler = (res: ServerResponse, error: NodeJS.ErrnoException) => void

export function proxyHttp(
  req: IncomingMessage,
  res: ServerResponse,
  target: ProxyTarget,
  refused: RefusedHandler,
) {
  const upstream = request(
    { host: '127.0.0.1', port: target.port, method: req.method, path: target.path, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders)
      answer.pipe(res)
    },
  )
  upstream.once('error', (error: NodeJS.ErrnoException) => {
    if (!res.headersSent) refused(res, error)
    else res.destroy(error)
  })
  res.once('close', () => upstream.destroy())
  req.pipe(upstream)
}

export function proxyUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  target: ProxyTarget,
  onClose?: () => void,
) {
  const upstream: Socket = connect(target.port, '127.0.0.1')
  let done = false
  const close = () => {
    if (done) return
    done = true
    upstream.destroy()
    socket.destroy()
    onClose?.()
  }
  upstream.once('connect', () => {
    const lines = [`${req.method} ${target.path} HTTP/1.1`]
    for (let i = 0; i < req.rawHeaders.length; i += 2)
      lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`)
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`)
    if (head.length > 0) upstream.write(head)
    upstream.pipe(socket)
    socket.pipe(upstream)
  })
  upstream.once('error', (error: NodeJS.ErrnoException) => {
    if (!done && error.code === 'ECONNREFUSED' && socket.writable)
      socket.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
    close()
  })
  upstream.once('close', close)
  socket.once('error', close)
  socket.once('close', close)
}
