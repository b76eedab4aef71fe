/** The class a row of scores picks: the index of its largest value. Shared by metrics, labels and splits. */
import type { Vec } from './vec.js'

/** Index of the largest of each row's K values (the first on ties). out is rows × K. */
export function argmaxRows (out: Vec, rows: number, K: number): Int32Array {
  if (out.length !== rows * K) throw new RangeError(`argmaxRows: ${out.length} values are not ${rows} rows × ${K}`)
  const idx = new Int32Array(rows)
  for (let r = 0; r < rows; r++) {
    let best = 0
    for (let k = 1; k < K; k++) if (out[r * K + k] > out[r * K + best]) best = k
    idx[r] = best
  }
  return idx
}
