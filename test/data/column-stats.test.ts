import { describe, it, expect } from 'vitest'
import { columnStats } from '../../src/data/column-stats.js'

/** Two-pass reference in float64, independent of the Welford update under test. */
function reference (values: number[]): { mean: number, std: number, min: number, max: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length
  return { mean, std: Math.sqrt(variance), min: Math.min(...values), max: Math.max(...values) }
}

describe('columnStats', () => {
  it('matches a two-pass computation per column', () => {
    const rows = 257
    const m = new Float32Array(rows * 3)
    for (let r = 0; r < rows; r++) {
      m[r * 3] = Math.sin(r) * 10
      m[r * 3 + 1] = 1e4 + (r % 7) // large offset, small spread: where the naive sum of squares loses digits
      m[r * 3 + 2] = 5
    }
    const stats = columnStats(m, rows, 3)
    for (let c = 0; c < 3; c++) {
      const ref = reference(Array.from({ length: rows }, (_, r) => m[r * 3 + c]))
      expect(stats[c].mean).toBeCloseTo(ref.mean, 9)
      expect(stats[c].std).toBeCloseTo(ref.std, 9)
      expect(stats[c].min).toBe(ref.min)
      expect(stats[c].max).toBe(ref.max)
    }
    expect(stats[2].std).toBe(0)
  })

  it('checks the shape', () => {
    expect(() => columnStats(new Float32Array(5), 2, 3)).toThrow(/5 values; 2 × 3 needs 6/)
  })
})
