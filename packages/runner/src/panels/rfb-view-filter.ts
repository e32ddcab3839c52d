/**
 * View-only access to the browser panel: a filter over the client -> server half of an RFB 3.7/3.8 stream
 * (noVNC talking to Xtigervnc). It lets the handshake and the messages that only ask for pixels through, and
 * drops everything that would change the sandbox (keys, pointer, clipboard, desktop size). A message it does not
 * know ends the connection: passing unknown bytes on could smuggle input past the filter.
 *
 * Pure: bytes in, bytes (or an error) out; chunks may split messages anywhere.
 */

export type FilterResult = { forward: Buffer; error?: undefined } | { forward: Buffer; error: string }

type Phase = 'version' | 'security' | 'init' | 'messages' | 'closed'

/** Client message types (RFC 6143 and the community extensions noVNC speaks). */
const msg = {
  setPixelFormat: 0,
  setEncodings: 2,
  framebufferUpdateRequest: 3,
  keyEvent: 4,
  pointerEvent: 5,
  clientCutText: 6,
  enableContinuousUpdates: 150,
  clientFence: 248,
  xvp: 250,
  setDesktopSize: 251,
  qemu: 255,
} as const

/** Security type None: the server offers nothing else (`-SecurityTypes None`), and no other keeps a fixed shape. */
const securityNone = 1

export class RfbViewFilter {
  #phase: Phase = 'version'
  #pending: Buffer = Buffer.alloc(0)

  /** Feeds the next chunk the client sent; returns what may reach the server. */
  push(chunk: Buffer): FilterResult {
    if (this.#phase === 'closed') return { forward: Buffer.alloc(0), error: 'the stream was already refused' }
    this.#pending = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk
    const out: Buffer[] = []
    let offset = 0
    for (;;) {
      const step = this.#next(this.#pending, offset)
      if (step === 'incomplete') break
      if (typeof step === 'string') {
        this.#phase = 'closed'
        this.#pending = Buffer.alloc(0)
        return { forward: Buffer.concat(out), error: step }
      }
      if (step.forward) out.push(step.forward)
      offset += step.length
    }
    this.#pending = this.#pending.subarray(offset)
    return { forward: Buffer.concat(out) }
  }

  /** One protocol unit at `offset`: its length and what to forward, `incomplete`, or an error message. */
  #next(buf: Buffer, offset: number): { length: number; forward?: Buffer } | 'incomplete' | string {
    const available = buf.length - offset
    if (available <= 0) return 'incomplete'
    const take = (length: number, keep: boolean) => {
      if (available < length) return 'incomplete' as const
      return { length, forward: keep ? buf.subarray(offset, offset + length) : undefined }
    }
    switch (this.#phase) {
      case 'version': {
        if (available < 12) return 'incomplete'
        const version = buf.toString('latin1', offset, offset + 12)
        if (version !== 'RFB 003.008\n' && version !== 'RFB 003.007\n')
          return `unsupported RFB version ${JSON.stringify(version)}`
        this.#phase = 'security'
        return take(12, true)
      }
      case 'security': {
        if (buf[offset] !== securityNone) return `security type ${buf[offset]} is not allowed`
        this.#phase = 'init'
        return take(1, true)
      }
      case 'init':
        // ClientInit: a viewer never asks for exclusive access (shared = 1), or it would disconnect the others.
        this.#phase = 'messages'
        return { length: 1, forward: Buffer.from([1]) }
      case 'messages':
        return this.#message(buf, offset, available, take)
      default:
        return 'the stream was already refused'
    }
  }

  #message(
    buf: Buffer,
    offset: number,
    available: number,
    take: (length: number, keep: boolean) => { length: number; forward?: Buffer } | 'incomplete',
  ) {
    const type = buf[offset]
    switch (type) {
      case msg.setPixelFormat:
        return take(20, true)
      case msg.setEncodings:
        return available < 4 ? 'incomplete' : take(4 + 4 * buf.readUInt16BE(offset + 2), true)
      case msg.framebufferUpdateRequest:
        return take(10, true)
      case msg.keyEvent:
        return take(8, false)
      case msg.pointerEvent:
        return take(6, false)
      case msg.clientCutText: {
        if (available < 8) return 'incomplete'
        // A negative length is the extended clipboard, whose payload is |length| bytes. noVNC announces its
        // clipboard capabilities with one as soon as the server offers it: dropped, like any clipboard message.
        const length = buf.readInt32BE(offset + 4)
        return take(8 + Math.abs(length), false)
      }
      case msg.enableContinuousUpdates:
        return take(10, true)
      case msg.clientFence:
        return available < 9 ? 'incomplete' : take(9 + (buf[offset + 8] ?? 0), true)
      case msg.xvp:
        // Shut down / reboot / reset the machine: never for a viewer.
        return take(4, false)
      case msg.setDesktopSize:
        return available < 8 ? 'incomplete' : take(8 + 16 * (buf[offset + 6] ?? 0), false)
      case msg.qemu: {
        if (available < 2) return 'incomplete'
        // Sub-type 0 is the QEMU extended key event (12 bytes), which noVNC prefers when the server offers it.
        if (buf[offset + 1] !== 0) return `QEMU client message ${buf[offset + 1]} is not allowed`
        return take(12, false)
      }
      default:
        return `unknown RFB client message type ${type}`
    }
  }
}
