import { describe, expect, it } from 'vitest'
import { RfbViewFilter } from './rfb-view-filter.ts'

const version = Buffer.from('RFB 003.008\n', 'latin1')
const handshake = Buffer.concat([version, Buffer.from([1]), Buffer.from([0])])

const setPixelFormat = Buffer.concat([Buffer.from([0, 0, 0, 0]), Buffer.alloc(16, 7)])
function setEncodings(codes: number[]) {
  const buf = Buffer.alloc(4 + 4 * codes.length)
  buf[0] = 2
  buf.writeUInt16BE(codes.length, 2)
  for (const [i, code] of codes.entries()) buf.writeInt32BE(code, 4 + 4 * i)
  return buf
}
const updateRequest = Buffer.from([3, 1, 0, 0, 0, 0, 5, 0, 3, 32])
const keyEvent = Buffer.from([4, 1, 0, 0, 0, 0, 0, 0x61])
const pointerEvent = Buffer.from([5, 1, 0, 10, 0, 20])
function cutText(text: string) {
  const buf = Buffer.alloc(8 + text.length)
  buf[0] = 6
  buf.writeInt32BE(text.length, 4)
  buf.write(text, 8, 'latin1')
  return buf
}
const continuous = Buffer.from([150, 1, 0, 0, 0, 0, 5, 0, 3, 32])
function fence(payload: number[]) {
  return Buffer.from([248, 0, 0, 0, 0, 0, 0, 1, payload.length, ...payload])
}
function setDesktopSize(screens: number) {
  const buf = Buffer.alloc(8 + 16 * screens)
  buf[0] = 251
  buf[6] = screens
  return buf
}
const qemuKey = Buffer.from([255, 0, 0, 1, 0, 0, 0, 0x61, 0, 0, 0, 30])

/** Feeds the stream in chunks of `size` bytes and returns everything forwarded and the first error. */
function run(stream: Buffer, size = stream.length) {
  const filter = new RfbViewFilter()
  const out: Buffer[] = []
  for (let i = 0; i < stream.length; i += size) {
    const result = filter.push(stream.subarray(i, i + size))
    out.push(result.forward)
    if (result.error !== undefined) return { forward: Buffer.concat(out), error: result.error }
  }
  return { forward: Buffer.concat(out), error: undefined }
}

describe('RfbViewFilter', () => {
  const allowed = [setPixelFormat, setEncodings([0, 1, -223, 7]), updateRequest, continuous, fence([1, 2, 3])]
  const denied = [keyEvent, pointerEvent, cutText('rm -rf /'), setDesktopSize(2), qemuKey]

  it('passes the handshake and the messages that only ask for pixels, drops every input', () => {
    const stream = Buffer.concat([handshake, ...allowed.flatMap((m, i) => [m, denied[i] as Buffer])])
    const expected = Buffer.concat([version, Buffer.from([1, 1]), ...allowed])
    expect(run(stream)).toEqual({ forward: expected, error: undefined })
  })

  it('gives the same answer however the stream is split, down to single bytes', () => {
    const stream = Buffer.concat([handshake, ...denied, ...allowed, ...denied])
    const whole = run(stream)
    for (const size of [1, 2, 3, 5, 7, 13]) expect(run(stream, size)).toEqual(whole)
  })

  it('forces a shared ClientInit so a viewer cannot disconnect the others', () => {
    expect(run(handshake).forward.at(-1)).toBe(1)
  })

  it('holds back a message until it is complete', () => {
    const filter = new RfbViewFilter()
    expect(filter.push(handshake).forward.length).toBe(14)
    expect(filter.push(setPixelFormat.subarray(0, 19)).forward.length).toBe(0)
    expect(filter.push(setPixelFormat.subarray(19)).forward).toEqual(setPixelFormat)
  })

  it('refuses an unknown message type and everything after it', () => {
    const filter = new RfbViewFilter()
    const result = filter.push(Buffer.concat([handshake, updateRequest, Buffer.from([77, 0, 0]), keyEvent]))
    expect(result.error).toMatch(/unknown RFB client message type 77/)
    expect(result.forward).toEqual(Buffer.concat([version, Buffer.from([1, 1]), updateRequest]))
    expect(filter.push(updateRequest)).toMatchObject({ forward: Buffer.alloc(0), error: expect.any(String) })
  })

  it("drops the extended clipboard (negative length: noVNC's capabilities announcement) and goes on", () => {
    // What noVNC sends right after the server offers the extended clipboard: caps, 8 bytes of payload.
    const caps = Buffer.from('06000000fffffff81f00000100000000', 'hex')
    expect(run(Buffer.concat([handshake, caps, updateRequest]), 3)).toEqual({
      forward: Buffer.concat([version, Buffer.from([1, 1]), updateRequest]),
      error: undefined,
    })
  })

  it('refuses other security types, other versions and QEMU audio', () => {
    expect(run(Buffer.concat([version, Buffer.from([2])])).error).toMatch(/security type 2/)
    expect(run(Buffer.from('RFB 003.003\n', 'latin1')).error).toMatch(/unsupported RFB version/)
    expect(run(Buffer.concat([handshake, Buffer.from([255, 1, 0, 0])])).error).toMatch(/QEMU/)
  })

  it('drops a large clipboard message that arrives in pieces', () => {
    const big = cutText('x'.repeat(10_000))
    expect(run(Buffer.concat([handshake, big, updateRequest]), 999).forward).toEqual(
      Buffer.concat([version, Buffer.from([1, 1]), updateRequest]),
    )
  })
})
