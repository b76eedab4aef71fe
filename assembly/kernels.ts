// AssemblyScript source of the WebAssembly SIMD kernels behind src/kernels/wasm-kernels.ts: float32
// only, operating on byte offsets into this module's own linear memory, which the host lays out
// and fills. No allocator, no runtime: the host grows memory and copies operands in and out.
//
// Every C[m][n] is one float32 sum over k in increasing order (acc = 0; acc += a·b), then + bias,
// then + the old C: the tiling changes which lanes do the work, never the order of a sum, so the
// result of a row does not depend on the batch it is computed in.

// The relaxed variant is a second build of this file with --enable relaxed-simd (fused on FMA hardware).
@inline function madd (a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c)
  return f32x4.add(f32x4.mul(a, b), c)
}

/** First byte the host may use: past the static data, 64-byte aligned. */
export function heapBase (): usize {
  return (__heap_base + 63) & ~(<usize>63)
}

// ---- packing: B (N×K, row-major) → panels of 8 rows of B interleaved along k -----------------
// panel p holds bp[p][k][j] = B[8p + j][k] (zero where 8p + j ≥ N), so the GEMM loads 8 columns
// of C's row with two v128 loads per k. 4×4 blocks are transposed in registers.

@inline function transpose4 (dst: usize, dstStride: usize, src: usize, srcStride: usize): void {
  const r0 = v128.load(src), r1 = v128.load(src + srcStride)
  const r2 = v128.load(src + 2 * srcStride), r3 = v128.load(src + 3 * srcStride)
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7)
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7)
  v128.store(dst, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5))
  v128.store(dst + dstStride, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7))
  v128.store(dst + 2 * dstStride, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5))
  v128.store(dst + 3 * dstStride, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7))
}

export function packB (bp: usize, b: usize, N: i32, K: i32): void {
  const rowBytes = <usize>K << 2
  for (let n0 = 0; n0 < N; n0 += 8) {
    const panel = bp + <usize>n0 * rowBytes
    const valid = min(8, N - n0)
    let k = 0
    if (valid === 8) {
      const src = b + <usize>n0 * rowBytes
      for (; k + 4 <= K; k += 4) {
        const kb = <usize>k << 2
        transpose4(panel + (kb << 3), 32, src + kb, rowBytes)
        transpose4(panel + (kb << 3) + 16, 32, src + (rowBytes << 2) + kb, rowBytes)
      }
    }
    for (; k < K; k++) {
      const dst = panel + (<usize>k << 5)
      for (let j = 0; j < 8; j++) {
        store<f32>(dst + (<usize>j << 2), j < valid ? load<f32>(b + <usize>(n0 + j) * rowBytes + (<usize>k << 2)) : 0)
      }
    }
  }
}

// ---- C (M×N) = A (M×K) · Bᵀ, B packed; 4 rows × 8 columns per tile, 8 f32x4 accumulators ------

/** Finishes 8 columns of one row of C: + bias, + old C, stored; a partial panel goes through scratch lanes. */
@inline function finish (c: usize, lo: v128, hi: v128, bias: usize, valid: i32, accumulate: bool, scratch: usize): void {
  if (valid === 8) {
    if (bias !== 0) { lo = f32x4.add(lo, v128.load(bias)); hi = f32x4.add(hi, v128.load(bias, 16)) }
    if (accumulate) { lo = f32x4.add(lo, v128.load(c)); hi = f32x4.add(hi, v128.load(c, 16)) }
    v128.store(c, lo)
    v128.store(c, hi, 16)
    return
  }
  v128.store(scratch, lo)
  v128.store(scratch, hi, 16)
  for (let j = 0; j < valid; j++) {
    const o = <usize>j << 2
    let s = load<f32>(scratch + o)
    if (bias !== 0) s += load<f32>(bias + o)
    if (accumulate) s += load<f32>(c + o)
    store<f32>(c + o, s)
  }
}

/** bias = 0 means none; scratch is 32 bytes of host-reserved memory. */
export function gemmPacked (c: usize, a: usize, bp: usize, bias: usize, M: i32, N: i32, K: i32, accumulate: bool, scratch: usize): void {
  const rowA = <usize>K << 2
  const rowC = <usize>N << 2
  for (let n0 = 0; n0 < N; n0 += 8) {
    const panel = bp + <usize>n0 * rowA
    const valid = min(8, N - n0)
    const biasN: usize = bias === 0 ? 0 : bias + (<usize>n0 << 2)
    let m = 0
    for (; m + 4 <= M; m += 4) {
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0)
      let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0)
      let pa = a + <usize>m * rowA
      let pb = panel
      const end = pa + rowA
      for (; pa < end; pa += 4, pb += 32) {
        const b0 = v128.load(pb), b1 = v128.load(pb, 16)
        let x = v128.load32_splat(pa)
        c00 = madd(x, b0, c00); c01 = madd(x, b1, c01)
        x = v128.load32_splat(pa + rowA)
        c10 = madd(x, b0, c10); c11 = madd(x, b1, c11)
        x = v128.load32_splat(pa + 2 * rowA)
        c20 = madd(x, b0, c20); c21 = madd(x, b1, c21)
        x = v128.load32_splat(pa + 3 * rowA)
        c30 = madd(x, b0, c30); c31 = madd(x, b1, c31)
      }
      const pc = c + <usize>m * rowC + (<usize>n0 << 2)
      finish(pc, c00, c01, biasN, valid, accumulate, scratch)
      finish(pc + rowC, c10, c11, biasN, valid, accumulate, scratch)
      finish(pc + 2 * rowC, c20, c21, biasN, valid, accumulate, scratch)
      finish(pc + 3 * rowC, c30, c31, biasN, valid, accumulate, scratch)
    }
    for (; m < M; m++) {
      // the last M mod 4 rows (and single-row prediction): 1×8, two dependency chains
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0)
      let pa = a + <usize>m * rowA
      let pb = panel
      const end = pa + rowA
      for (; pa < end; pa += 4, pb += 32) {
        const x = v128.load32_splat(pa)
        c0 = madd(x, v128.load(pb), c0); c1 = madd(x, v128.load(pb, 16), c1)
      }
      finish(c + <usize>m * rowC + (<usize>n0 << 2), c0, c1, biasN, valid, accumulate, scratch)
    }
  }
}

// ---- transpose and column sums ------------------------------------------------------------------

/** dst (cols×rows) = srcᵀ (src is rows×cols) */
export function transpose (dst: usize, src: usize, rows: i32, cols: i32): void {
  const srcRow = <usize>cols << 2, dstRow = <usize>rows << 2
  let r = 0
  for (; r + 4 <= rows; r += 4) {
    let c = 0
    for (; c + 4 <= cols; c += 4) {
      transpose4(dst + <usize>c * dstRow + (<usize>r << 2), dstRow, src + <usize>r * srcRow + (<usize>c << 2), srcRow)
    }
    for (; c < cols; c++) {
      for (let i = r; i < r + 4; i++) store<f32>(dst + <usize>c * dstRow + (<usize>i << 2), load<f32>(src + <usize>i * srcRow + (<usize>c << 2)))
    }
  }
  for (; r < rows; r++) {
    for (let c = 0; c < cols; c++) store<f32>(dst + <usize>c * dstRow + (<usize>r << 2), load<f32>(src + <usize>r * srcRow + (<usize>c << 2)))
  }
}

/** out[n] += Σ_m A[m][n], each column summed over m in order; 16 columns at a time use whole cache lines. */
export function addColumnSums (out: usize, a: usize, M: i32, N: i32): void {
  const row = <usize>N << 2
  let n = 0
  for (; n + 16 <= N; n += 16) {
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0)
    let p = a + (<usize>n << 2)
    for (let m = 0; m < M; m++, p += row) {
      s0 = f32x4.add(s0, v128.load(p)); s1 = f32x4.add(s1, v128.load(p, 16))
      s2 = f32x4.add(s2, v128.load(p, 32)); s3 = f32x4.add(s3, v128.load(p, 48))
    }
    const o = out + (<usize>n << 2)
    v128.store(o, f32x4.add(v128.load(o), s0)); v128.store(o, f32x4.add(v128.load(o, 16), s1), 16)
    v128.store(o, f32x4.add(v128.load(o, 32), s2), 32); v128.store(o, f32x4.add(v128.load(o, 48), s3), 48)
  }
  for (; n + 4 <= N; n += 4) {
    let s = f32x4.splat(0)
    let p = a + (<usize>n << 2)
    for (let m = 0; m < M; m++, p += row) s = f32x4.add(s, v128.load(p))
    const o = out + (<usize>n << 2)
    v128.store(o, f32x4.add(v128.load(o), s))
  }
  for (; n < N; n++) {
    let s: f32 = 0
    let p = a + (<usize>n << 2)
    for (let m = 0; m < M; m++, p += row) s += load<f32>(p)
    store<f32>(out + (<usize>n << 2), load<f32>(out + (<usize>n << 2)) + s)
  }
}
