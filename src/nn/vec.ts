/** Flat numeric buffers. Training runs in float32; float64 exists for gradient checks. */
export type Vec = Float32Array | Float64Array
export type DType = 'float32' | 'float64'

export function allocate (dtype: DType, n: number): Vec {
  return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n)
}

export function dtypeOf (v: Vec): DType {
  return v instanceof Float64Array ? 'float64' : 'float32'
}
