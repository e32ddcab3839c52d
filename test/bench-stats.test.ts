// The benchmark's statistics (bench/stats.ts): its verdicts and intervals are only as good as these.
import { describe, expect, it } from 'vitest'
import { median, medianInterval } from '../bench/stats.ts'

describe('medianInterval', () => {
  it('takes the 6th smallest and 6th largest of 20 samples at 95%', () => {
    // P(Binomial(20, 1/2) <= 5) = 0.021 <= 0.025 < P(<= 6) = 0.058: ranks 6 and 15.
    const samples = Array.from({ length: 20 }, (_, i) => 20 - i) // unsorted on purpose
    expect(medianInterval(samples)).toEqual([6, 15])
    expect(samples[0]).toBe(20) // the input is left as it was
  })

  it('is the whole range for 6 samples and undefined for 5, at 95%', () => {
    expect(medianInterval([3, 1, 2, 6, 5, 4])).toEqual([1, 6])
    expect(medianInterval([1, 2, 3, 4, 5])).toBeUndefined()
    expect(medianInterval([])).toBeUndefined()
  })

  it('narrows for a lower confidence', () => {
    const samples = Array.from({ length: 20 }, (_, i) => i + 1)
    const [lo95, hi95] = medianInterval(samples)!
    const [lo80, hi80] = medianInterval(samples, 0.8)!
    expect(lo80).toBeGreaterThan(lo95)
    expect(hi80).toBeLessThan(hi95)
  })

  it('works for many samples, where 0.5^n underflows', () => {
    // Normal approximation for n = 2000: ranks 1000 -/+ 1.96 * sqrt(2000) / 2, i.e. about 956 and 1045.
    const samples = Array.from({ length: 2000 }, (_, i) => i + 1)
    const [lo, hi] = medianInterval(samples)!
    expect(lo).toBeGreaterThanOrEqual(953)
    expect(lo).toBeLessThanOrEqual(959)
    expect(hi).toBe(2001 - lo)
    expect(median(samples)).toBeGreaterThan(lo)
    expect(median(samples)).toBeLessThan(hi)
  })
})
