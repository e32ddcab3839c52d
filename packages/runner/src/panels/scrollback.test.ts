import { describe, expect, it } from 'vitest'
import { Scrollback } from './scrollback.ts'

describe('Scrollback', () => {
  it('keeps everything while under its limit, oldest first', () => {
    const scrollback = new Scrollback(100)
    scrollback.push('one ')
    scrollback.push('')
    scrollback.push('two')
    expect(scrollback.text()).toBe('one two')
    expect(scrollback.bytes).toBe(7)
  })

  it('drops the oldest output beyond its limit, also inside a chunk', () => {
    const scrollback = new Scrollback(10)
    scrollback.push('abcdef')
    scrollback.push('ghijkl')
    expect(scrollback.text()).toBe('cdefghijkl')
    scrollback.push('0123456789XYZ')
    expect(scrollback.text()).toBe('3456789XYZ')
    expect(scrollback.bytes).toBe(10)
  })

  it('never keeps half of a multi-byte character', () => {
    const scrollback = new Scrollback(5)
    scrollback.push('ééé') // 6 bytes: one byte too many
    expect(scrollback.text()).toBe('éé')
    expect(scrollback.bytes).toBe(4)
  })

  it('stays bounded over a long stream', () => {
    const scrollback = new Scrollback(1024)
    for (let i = 0; i < 10_000; i++) scrollback.push(`line ${i}\r\n`)
    expect(scrollback.bytes).toBeLessThanOrEqual(1024)
    expect(scrollback.text().endsWith('line 9999\r\n')).toBe(true)
  })
})
