import { connect } from 'node:net'
import type { WebSocket } from 'ws'
import { RfbViewFilter } from './rfb-view-filter.ts'

/**
 * noVNC's WebSocket to the VNC server's TCP port: RFB bytes in binary frames both ways (no websockify needed).
 * For view access every byte the client sends passes the view filter first.
 */
export function bridgeVnc(
  socket: WebSocket,
  vncPort: () => Promise<number>,
  view: boolean,
  onClose: () => void,
) {
  const filter = view ? new RfbViewFilter() : undefined
  // Messages that arrive while the browser service starts wait here (the server speaks first, so usually none).
  const queued: Buffer[] = []
  let tcp: ReturnType<typeof connect> | undefined
  let closed = false
  const close = (code: number, reason: string) => {
    if (closed) return
    closed = true
    tcp?.destroy()
    if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING)
      socket.close(code, reason)
    onClose()
  }
  const forward = (data: Buffer) => {
    let bytes = data
    if (filter) {
      const result = filter.push(data)
      bytes = result.forward
      if (result.error !== undefined) {
        if (bytes.length > 0) tcp?.write(bytes)
        close(1008, result.error.slice(0, 120))
        return
      }
    }
    if (bytes.length > 0) tcp?.write(bytes)
  }
  socket.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
    const chunk = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer)
    if (tcp?.readyState === 'open') forward(chunk)
    else queued.push(chunk)
  })
  socket.once('close', () => close(1000, ''))
  socket.once('error', () => close(1011, 'error'))
  vncPort().then(
    (port) => {
      if (closed) return
      tcp = connect(port, '127.0.0.1')
      tcp.once('connect', () => {
        for (const chunk of queued.splice(0)) forward(chunk)
      })
      tcp.on('data', (chunk) => {
        if (socket.readyState === socket.OPEN) socket.send(chunk, { binary: true })
      })
      tcp.once('error', () => close(1011, 'the VNC server closed the connection'))
      tcp.once('close', () => close(1000, 'the VNC server closed the connection'))
    },
    (error: Error) => close(1011, `the browser could not start: ${error.message}`.slice(0, 120)),
  )
}
