import { describe, expect, it } from 'vitest'
import { backoffDelayMs, closeVerdict, themeFromQuery, webSocketOrigin } from './backoff.ts'
import { browserStatusText, viewOnlyFromQuery } from './browser-status.ts'
import {
  clampSize,
  encodeClientFrame,
  exitLine,
  frameAction,
  parseServerFrame,
  terminalIdFromQuery,
  terminalSocketUrl,
} from './terminal-frames.ts'

describe('terminal frames', () => {
  it('parses the server frames of the protocol and nothing else', () => {
    expect(parseServerFrame('{"type":"output","data":"hi\\r\\n"}')).toEqual({
      type: 'output',
      data: 'hi\r\n',
    })
    expect(parseServerFrame('{"type":"exit","code":0}')).toEqual({ type: 'exit', code: 0 })
    expect(parseServerFrame('{"type":"exit","code":null}')).toEqual({ type: 'exit', code: null })
    for (const text of [
      'not json',
      'null',
      '42',
      '{"type":"output"}',
      '{"type":"output","data":7}',
      '{"type":"exit","code":1.5}',
      '{"type":"exit"}',
      '{"type":"resize","cols":80,"rows":24}',
    ])
      expect(parseServerFrame(text)).toBeNull()
  })

  it('clears the screen before the replay that opens each connection, then writes as it comes', () => {
    const replay = { type: 'output', data: '$ ls\r\n' } as const
    expect(frameAction(replay, true)).toEqual({ kind: 'write', clearFirst: true, data: '$ ls\r\n' })
    expect(frameAction(replay, false)).toEqual({ kind: 'write', clearFirst: false, data: '$ ls\r\n' })
    expect(frameAction(null, true)).toEqual({ kind: 'ignore' })
  })

  it('says how the process exited', () => {
    expect(frameAction({ type: 'exit', code: 130 }, false)).toEqual({
      kind: 'exit',
      line: '\r\n[process exited with code 130]\r\n',
    })
    expect(exitLine(null)).toContain('[process exited with code unknown]')
  })

  it('encodes input and resize frames as JSON text, sizes within the protocol bounds', () => {
    expect(JSON.parse(encodeClientFrame({ type: 'input', data: 'echo hi\r' }))).toEqual({
      type: 'input',
      data: 'echo hi\r',
    })
    expect(clampSize(0)).toBe(1)
    expect(clampSize(80.7)).toBe(80)
    expect(clampSize(5000)).toBe(1000)
  })

  it('attaches to the terminal named by ?id=, or 1', () => {
    expect(terminalIdFromQuery('?id=2&theme=dark')).toBe('2')
    expect(terminalIdFromQuery('')).toBe('1')
    expect(terminalIdFromQuery('?id=../../etc')).toBe('1')
    expect(terminalIdFromQuery(`?id=${'a'.repeat(33)}`)).toBe('1')
    expect(terminalSocketUrl('ws://ses-1.sandbox.localhost:8787', '2', 120, 40)).toBe(
      'ws://ses-1.sandbox.localhost:8787/terminal/ws/2?cols=120&rows=40',
    )
  })
})

describe('reconnecting', () => {
  it('doubles the wait from half a second up to ten seconds', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 50].map((attempt) => backoffDelayMs(attempt))).toEqual([
      500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000,
    ])
  })

  it('stops retrying when the gateway refuses the caller, or their access expired', () => {
    expect(closeVerdict(1008)).toBe('forbidden')
    expect(closeVerdict(4403)).toBe('forbidden')
    expect(closeVerdict(1006, 403)).toBe('forbidden')
    expect(closeVerdict(1006, 401)).toBe('expired')
    expect(closeVerdict(1006, 502)).toBe('retry')
    expect(closeVerdict(1006)).toBe('retry')
    expect(closeVerdict(1000)).toBe('retry')
  })

  it('turns the page origin into the WebSocket origin', () => {
    expect(webSocketOrigin('http://ses-1.sandbox.localhost:8787')).toBe('ws://ses-1.sandbox.localhost:8787')
    expect(webSocketOrigin('https://ses-1.sandbox.example.com')).toBe('wss://ses-1.sandbox.example.com')
  })
})

describe('panel page queries and status', () => {
  it('reads the theme and view-only flag', () => {
    expect(themeFromQuery('?theme=dark')).toBe('dark')
    expect(themeFromQuery('?theme=purple')).toBe('light')
    expect(viewOnlyFromQuery('?view=1')).toBe(true)
    expect(viewOnlyFromQuery('?view=0')).toBe(false)
  })

  it('words the browser connection for people', () => {
    expect(browserStatusText({ state: 'connecting' })).toBe('Connecting to the browser…')
    expect(browserStatusText({ state: 'connected', viewOnly: false })).toBe('Connected')
    expect(browserStatusText({ state: 'connected', viewOnly: true })).toBe('Connected · view only')
    expect(browserStatusText({ state: 'retrying', seconds: 3.2 })).toBe('Disconnected — retrying in 4s')
    expect(browserStatusText({ state: 'retrying', seconds: 0.1 })).toBe('Disconnected — retrying in 1s')
  })
})
