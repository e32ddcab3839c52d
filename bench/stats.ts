/** Small statistics for benchmark samples. */
export function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

/**
 * A 95% (or `confidence`) interval for the median of `samples` that assumes nothing about their distribution: the
 * k-th smallest and the k-th largest sample, with k the largest rank a Binomial(n, 1/2) count stays below with
 * probability at most (1 - confidence) / 2 on each side. Undefined when there are too few samples for that
 * confidence (fewer than 6 at 95%). The binomial terms are summed in log space, so any n works.
 */
export function medianInterval(samples: number[], confidence = 0.95): [number, number] | undefined {
  const n = samples.length
  const tail = (1 - confidence) / 2
  let k = 0
  let cumulative = 0
  let logTerm = n * Math.log(0.5) // P(count = 0)
  for (let j = 0; j < n; j++) {
    cumulative += Math.exp(logTerm)
    if (cumulative > tail) break
    k = j + 1
    logTerm += Math.log((n - j) / (j + 1))
  }
  if (k === 0) return undefined
  const sorted = [...samples].sort((a, b) => a - b)
  return [sorted[k - 1]!, sorted[n - k]!]
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits

export type Metric = { median: number; p90: number; samples: number[]; unit: 'ms' | 'us' | 'mb' }

export function metric(samples: number[], unit: Metric['unit'] = 'ms'): Metric {
  return {
    median: round(median(samples)),
    p90: round(percentile(samples, 90)),
    samples: samples.map((s) => round(s)),
    unit,
  }
}
