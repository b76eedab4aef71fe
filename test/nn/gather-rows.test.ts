// gatherRows (nn/gradient.ts): the engine gathers a shard's rows within the job's own x buffer (one
// copyWithin a row, no view allocated), the sequential core from one array into another; both ways,
// and for wide and narrow rows, a shard holds exactly the indexed rows, in index order.
import { describe, expect, it } from 'vitest'
import { gatherRows } from '../../src/nn/gradient.js'

function expected (m: Float32Array, w: number, index: Int32Array, from: number, to: number): Float32Array {
  const out = new Float32Array((to - from) * w)
  for (let i = from; i < to; i++) for (let c = 0; c < w; c++) out[(i - from) * w + c] = m[index[i] * w + c]
  return out
}

describe('gatherRows', () => {
  for (const w of [3, 128, 784]) {
    it(`rows of ${w}: within one buffer (data at an offset, shard after it) as from one array to another`, () => {
      const rows = 50, lead = 7 // the data need not start the buffer
      const buffer = new SharedArrayBuffer(4 * (lead + rows * w + 2 * 16 * w))
      const data = new Float32Array(buffer, 4 * lead, rows * w)
      for (let i = 0; i < data.length; i++) data[i] = Math.sin(i) * 100
      const index = Int32Array.from({ length: 40 }, (_, i) => (i * 17 + 3) % rows)
      const inBuffer = new Float32Array(buffer, 4 * (lead + rows * w + 16 * w), 16 * w) // the second thread's shard
      gatherRows(inBuffer, data, w, index, 20, 36)
      expect(inBuffer).toEqual(expected(data, w, index, 20, 36))
      const apart = new Float32Array(16 * w)
      gatherRows(apart, data, w, index, 20, 36)
      expect(apart).toEqual(inBuffer)
      // the rows themselves are untouched, and so is the first thread's shard
      for (let i = 0; i < data.length; i++) if (data[i] !== Math.fround(Math.sin(i) * 100)) throw new Error(`data[${i}] changed`)
      expect(new Float32Array(buffer, 4 * (lead + rows * w), 16 * w).every((v) => v === 0)).toBe(true)
    })
  }
})
