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

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits

export type Metric = { median: number; p90: number; samples: number[]; unit: 'ms' | 'mb' }

export function metric(samples: number[], unit: Metric['unit'] = 'ms'): Metric {
  return {
    median: round(median(samples)),
    p90: round(percentile(samples, 90)),
    samples: samples.map((s) => round(s)),
    unit,
  }
}
