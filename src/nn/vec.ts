/** Flat numeric buffers. Training runs in float32; float64 exists for gradient checks. */
export type Vec = Float32Array | Float64Array
export type DType = 'float32' | 'float64'

export function allocate (dtype: DType, n: number): Vec {
  return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n)
}

/**
 * A fresh, unshared copy of v, as one block copy (slice() copies element by element in V8: 2.9 ms
 * for W1's 235k float32 weights in a SharedArrayBuffer). A fresh array still pays a fault per page on
 * first touch (13 µs on this VM): where a copy is taken again and again, keep one (copyInto).
 */
export function copyOf<T extends Vec | Int32Array> (v: T): T {
  if (v instanceof Float64Array) return Float64Array.from(v) as T
  if (v instanceof Int32Array) return Int32Array.from(v) as T
  return Float32Array.from(v) as T
}

/** v copied into `kept` when it has v's length and dtype (no allocation), else into a fresh copy. */
export function copyInto (kept: Vec | undefined, v: Vec): Vec {
  if (kept === undefined || kept.length !== v.length || dtypeOf(kept) !== dtypeOf(v)) return copyOf(v)
  kept.set(v)
  return kept
}

export function dtypeOf (v: Vec): DType {
  return v instanceof Float64Array ? 'float64' : 'float32'
}
