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

// ---- element-wise passes --------------------------------------------------------------------------
// n is a multiple of 4: the host pads every region, so no element takes a scalar tail path and a
// value's result never depends on where it sits. Arithmetic passes promote to f64x2 and demote
// once, exactly as the JavaScript reference computes in doubles and rounds on store, so they give
// the reference's bits; the transcendentals (sigmoid, tanh, softplus) use Mathf and are within a
// few float32 ulps of Math.* instead.

@inline function low64 (x: v128): v128 { return f64x2.promote_low_f32x4(x) }
@inline function high64 (x: v128): v128 { return f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 2, 3)) }
@inline function to32 (lo: v128, hi: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5)
}

// activation codes, in the order of the host's table
const IDENTITY = 0, SIGMOID = 1, TANH = 2, RELU = 3, LEAKY_RELU = 4, ABS = 5, SOFTPLUS = 6, STEP = 7

@inline function sigmoidf (x: f32): f32 { return 1 / (1 + Mathf.exp(-x)) }

/** a[i] = f(z[i]) */
export function activate (kind: i32, a: usize, z: usize, n: i32, alpha: f64): void {
  const end = z + (<usize>n << 2)
  const zero = f32x4.splat(0), one = f32x4.splat(1), al = f64x2.splat(alpha)
  const d = a - z
  // relu and step keep a NaN (as the ts loops): zero only where x ≤ 0 (or x < 0), a NaN lane compares false
  if (kind === RELU) {
    for (let p = z; p < end; p += 16) { const x = v128.load(p); v128.store(p + d, v128.bitselect(zero, x, f32x4.le(x, zero))) }
  } else if (kind === LEAKY_RELU) {
    for (let p = z; p < end; p += 16) {
      const x = v128.load(p)
      const ax = to32(f64x2.mul(al, low64(x)), f64x2.mul(al, high64(x)))
      v128.store(p + d, v128.bitselect(x, ax, f32x4.gt(x, zero)))
    }
  } else if (kind === ABS) {
    for (let p = z; p < end; p += 16) v128.store(p + d, f32x4.abs(v128.load(p)))
  } else if (kind === STEP) {
    for (let p = z; p < end; p += 16) { const x = v128.load(p); v128.store(p + d, v128.bitselect(one, v128.bitselect(zero, x, f32x4.lt(x, zero)), f32x4.ge(x, zero))) }
  } else if (kind === IDENTITY) {
    if (d !== 0) for (let p = z; p < end; p += 16) v128.store(p + d, v128.load(p))
  } else if (kind === SIGMOID) {
    for (let p = z; p < end; p += 4) store<f32>(p + d, sigmoidf(load<f32>(p)))
  } else if (kind === TANH) {
    for (let p = z; p < end; p += 4) store<f32>(p + d, Mathf.tanh(load<f32>(p)))
  } else if (kind === SOFTPLUS) {
    for (let p = z; p < end; p += 4) { const x = load<f32>(p); store<f32>(p + d, max<f32>(x, 0) + Mathf.log1p(Mathf.exp(-Mathf.abs(x)))) }
  }
}

/** d[i] *= f'(z[i]), from z or from the output a */
export function activateBackward (kind: i32, dz: usize, z: usize, a: usize, n: i32, alpha: f64): void {
  const bytes = <usize>n << 2
  if (kind === SOFTPLUS) {
    // f' = sigmoid(z): scalar, as Mathf is
    for (let o: usize = 0; o < bytes; o += 4) store<f32>(dz + o, load<f32>(dz + o) * sigmoidf(load<f32>(z + o)))
    return
  }
  const zero = f32x4.splat(0), one = f64x2.splat(1), al = f64x2.splat(alpha)
  for (let o: usize = 0; o < bytes; o += 16) {
    const g = v128.load(dz + o)
    let r = g
    if (kind === RELU) {
      r = v128.bitselect(g, zero, f32x4.gt(v128.load(z + o), zero))
    } else if (kind === LEAKY_RELU) {
      r = v128.bitselect(g, to32(f64x2.mul(low64(g), al), f64x2.mul(high64(g), al)), f32x4.gt(v128.load(z + o), zero))
    } else if (kind === SIGMOID) {
      const y = v128.load(a + o), lo = low64(y), hi = high64(y)
      r = to32(f64x2.mul(low64(g), f64x2.mul(lo, f64x2.sub(one, lo))), f64x2.mul(high64(g), f64x2.mul(hi, f64x2.sub(one, hi))))
    } else if (kind === TANH) {
      const y = v128.load(a + o), lo = low64(y), hi = high64(y)
      r = to32(f64x2.mul(low64(g), f64x2.sub(one, f64x2.mul(lo, lo))), f64x2.mul(high64(g), f64x2.sub(one, f64x2.mul(hi, hi))))
    } else if (kind === ABS) {
      const x = v128.load(z + o)
      const s = v128.bitselect(f32x4.splat(1), v128.bitselect(f32x4.splat(-1), zero, f32x4.lt(x, zero)), f32x4.gt(x, zero))
      r = f32x4.mul(g, s)
    } else if (kind === STEP) {
      r = zero
    }
    v128.store(dz + o, r)
  }
}

// ---- optimiser updates: four floats per iteration as two f64x2 halves ----------------------------

/** p ← p − lr·g */
export function sgdUpdate (p: usize, g: usize, n: i32, lr: f64): void {
  const l = f64x2.splat(lr)
  for (let o: usize = 0, end = <usize>n << 2; o < end; o += 16) {
    const w = v128.load(p + o), d = v128.load(g + o)
    v128.store(p + o, to32(f64x2.sub(low64(w), f64x2.mul(l, low64(d))), f64x2.sub(high64(w), f64x2.mul(l, high64(d)))))
  }
}

/** v ← μv + g; p ← p − lr·v, or p ← p − lr·(g + μv) (nesterov); v is rounded to float32 before p reads it */
export function momentumUpdate (p: usize, g: usize, v: usize, n: i32, lr: f64, mu: f64, nesterov: bool): void {
  const l = f64x2.splat(lr), m = f64x2.splat(mu)
  for (let o: usize = 0, end = <usize>n << 2; o < end; o += 16) {
    const d = v128.load(g + o), dl = low64(d), dh = high64(d)
    const vel = v128.load(v + o)
    const v32 = to32(f64x2.add(f64x2.mul(m, low64(vel)), dl), f64x2.add(f64x2.mul(m, high64(vel)), dh))
    v128.store(v + o, v32)
    let sl = low64(v32), sh = high64(v32)
    if (nesterov) { sl = f64x2.add(dl, f64x2.mul(m, sl)); sh = f64x2.add(dh, f64x2.mul(m, sh)) }
    const w = v128.load(p + o)
    v128.store(p + o, to32(f64x2.sub(low64(w), f64x2.mul(l, sl)), f64x2.sub(high64(w), f64x2.mul(l, sh))))
  }
}

/** One f64x2 half of Adam's update of p, from the rounded moments; mk is the decay factor wd·mask (ignored unless decoupled). */
@inline function adamStep (w: v128, m: v128, v: v128, lr: v128, bc1: v128, bc2: v128, eps: v128, mk: v128, decoupled: bool): v128 {
  const denom = f64x2.add(f64x2.sqrt(f64x2.div(v, bc2)), eps)
  if (!decoupled) return f64x2.sub(w, f64x2.div(f64x2.mul(lr, f64x2.div(m, bc1)), denom))
  return f64x2.sub(w, f64x2.mul(lr, f64x2.add(f64x2.div(f64x2.div(m, bc1), denom), f64x2.mul(mk, w))))
}

/** Adam (mask = 0: no decay term at all) or AdamW (decoupled decay wd where the mask byte is 1). */
export function adamUpdate (p: usize, g: usize, m: usize, v: usize, n: i32, lr: f64, beta1: f64, beta2: f64, epsilon: f64,
  bc1: f64, bc2: f64, weightDecay: f64, mask: usize): void {
  const l = f64x2.splat(lr), b1 = f64x2.splat(beta1), b2 = f64x2.splat(beta2), c1 = f64x2.splat(1 - beta1), c2 = f64x2.splat(1 - beta2)
  const bb1 = f64x2.splat(bc1), bb2 = f64x2.splat(bc2), eps = f64x2.splat(epsilon), wd = f64x2.splat(weightDecay)
  const decoupled = mask !== 0
  let mkl = f64x2.splat(0), mkh = f64x2.splat(0)
  for (let o: usize = 0, end = <usize>n << 2; o < end; o += 16) {
    const d = v128.load(g + o), dl = low64(d), dh = high64(d)
    const m0 = v128.load(m + o), v0 = v128.load(v + o)
    const m32 = to32(f64x2.add(f64x2.mul(b1, low64(m0)), f64x2.mul(c1, dl)), f64x2.add(f64x2.mul(b1, high64(m0)), f64x2.mul(c1, dh)))
    const v32 = to32(f64x2.add(f64x2.mul(b2, low64(v0)), f64x2.mul(f64x2.mul(c2, dl), dl)), f64x2.add(f64x2.mul(b2, high64(v0)), f64x2.mul(f64x2.mul(c2, dh), dh)))
    v128.store(m + o, m32)
    v128.store(v + o, v32)
    if (decoupled) {
      const bytes = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(mask + (o >> 2))))
      mkl = f64x2.mul(wd, f64x2.convert_low_i32x4_u(bytes))
      mkh = f64x2.mul(wd, f64x2.convert_low_i32x4_u(v128.shuffle<i32>(bytes, bytes, 2, 3, 2, 3)))
    }
    const w = v128.load(p + o)
    v128.store(p + o, to32(adamStep(low64(w), low64(m32), low64(v32), l, bb1, bb2, eps, mkl, decoupled),
      adamStep(high64(w), high64(m32), high64(v32), l, bb1, bb2, eps, mkh, decoupled)))
  }
}
