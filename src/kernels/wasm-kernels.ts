/**
 * The `Kernels` of nn/ops.ts in WebAssembly 128-bit SIMD (source: assembly/kernels.ts), for float32:
 * the products and, measured faster than the ts loops with their copies (bench/kernels.ts), every
 * element-wise pass but tanh forward (Eigen's rational in JavaScript, kernels/tanh32.ts: twice as fast
 * as either Math.tanh or wasm's Mathf.tanh with its copies).
 * Operands are copied into the instance's own linear memory, computed there and copied back; the
 * memory only grows, so a warmed-up instance allocates nothing in wasm. Not here: float64 (those calls
 * go to tsKernels, for gradient checks) and zero-copy operands (JS arrays cannot alias wasm memory).
 */
import { setFlagsFromString } from 'node:v8'
import { tsKernels, type AdamStep, type Kernels } from '../nn/ops.js'
import type { Vec } from '../nn/vec.js'
import type { ActivationName } from '../nn/spec.js'
import { WASM_RELAXED_SIMD, WASM_SIMD } from './wasm-bytes.generated.js'
import { tanh32 } from './tanh32.js'

// lib ES2023 and @types/node 20 declare no WebAssembly: the few members used, typed here
interface WasmMemory { readonly buffer: ArrayBuffer, grow (pages: number): number }
interface WasmApi {
  validate (bytes: Uint8Array): boolean
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { readonly exports: object }
}
const WebAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly

/** Byte offsets into the instance's memory; `bias` 0 means none. */
interface KernelExports {
  readonly memory: WasmMemory
  heapBase (): number
  packB (bp: number, b: number, N: number, K: number): void
  gemmPacked (c: number, a: number, bp: number, bias: number, M: number, N: number, K: number, accumulate: number, scratch: number): void
  transpose (dst: number, src: number, rows: number, cols: number): void
  addColumnSums (out: number, a: number, M: number, N: number): void
  activate (kind: number, a: number, z: number, n: number, alpha: number): void
  activateBackward (kind: number, d: number, z: number, a: number, n: number, alpha: number): void
  sgdUpdate (p: number, g: number, n: number, lr: number): void
  momentumUpdate (p: number, g: number, v: number, n: number, lr: number, mu: number, nesterov: number): void
  adamUpdate (p: number, g: number, m: number, v: number, n: number, lr: number, beta1: number, beta2: number, epsilon: number,
    bc1: number, bc2: number, weightDecay: number, mask: number): void
}

/** The activation codes of assembly/kernels.ts. */
const ACTIVATION_CODE: Record<ActivationName, number> = {
  identity: 0, sigmoid: 1, tanh: 2, relu: 3, leaky_relu: 4, abs: 5, softplus: 6, step: 7
}
/** Which backward passes read z (the others read the output a, or nothing). */
const BACKWARD_READS_Z = new Set<ActivationName>(['relu', 'leaky_relu', 'abs', 'softplus'])
/**
 * tanh forward runs in JavaScript, as kernels/tanh32.ts's rational: Mathf.tanh in wasm plus the
 * copies measured 0.99-1.01× the speed of Math.tanh over a 32×32 shard (bench/kernels.ts), the
 * rational about 2×, with no copies.
 */

export interface WasmSupport { simd: boolean, relaxedSimd: boolean }

export interface WasmKernelOptions {
  /** fused multiply-add lanes; default: when the runtime validates them (Node 20 needs --experimental-wasm-relaxed-simd) */
  relaxedSimd?: boolean
}

/** The Kernels, plus which variant runs (results differ in the last bits between the two) and a weight cache. */
export interface WasmKernels extends Kernels {
  readonly variant: 'simd' | 'relaxed-simd'
  /**
   * Declares `weights` unchanged until the next pin/unpin: gemmNT calls whose B is a view into it
   * copy and pack that B once, then reuse it (prediction with fixed weights; one training step).
   * Changing the pinned values without calling pin again gives results from the old values.
   */
  pin (weights: Float32Array): void
  /** Forgets the pinned weights and their packed copies. */
  unpin (): void
}

// Node 20's V8 has relaxed SIMD (fused multiply-add lanes, ~25% faster GEMM here) behind a flag; V8
// flags are process-wide and must be set before a module is compiled, so the first load of this
// module turns it on. Newer runtimes have it on already. wasmSupport() still validates the module,
// so a runtime that refuses it falls back to plain SIMD.
try { setFlagsFromString('--experimental-wasm-relaxed-simd') } catch { /* not a V8 that knows the flag */ }

const bytes = { simd: decode(WASM_SIMD), relaxed: decode(WASM_RELAXED_SIMD) }
let support: WasmSupport | null = null

function decode (base64: string): Uint8Array {
  return new Uint8Array(Buffer.from(base64, 'base64'))
}

/** Which variants this runtime accepts, decided by validating the compiled modules themselves. */
export function wasmSupport (): WasmSupport {
  support ??= { simd: WebAssembly.validate(bytes.simd), relaxedSimd: WebAssembly.validate(bytes.relaxed) }
  return support
}

const PAGE = 65536
/** regions start on 64-byte boundaries (16 floats) */
const pad = (floats: number): number => (floats + 15) & ~15
const isF32 = (v: Vec): v is Float32Array => v instanceof Float32Array
const head = (v: Float32Array, n: number): Float32Array => v.length === n ? v : v.subarray(0, n)
const SMALL_COPY = 2048
/** element counts handed to the element-wise passes: whole v128s */
const n4 = (n: number): number => (n + 3) & ~3

function check (name: string, v: Vec, n: number): void {
  if (v.length < n) throw new RangeError(`${name} holds ${v.length} values; the shape needs ${n}`)
}

/** A new instance (its own memory): one per thread; calls on it must not interleave (they cannot, being synchronous). */
export function createWasmKernels (opts: WasmKernelOptions = {}): WasmKernels {
  const s = wasmSupport()
  if (!s.simd) throw new Error('this JavaScript runtime does not support WebAssembly SIMD: use the ts kernels')
  const relaxed = opts.relaxedSimd ?? s.relaxedSimd
  if (relaxed && !s.relaxedSimd) throw new Error('relaxed SIMD is not enabled in this runtime (Node 20: --experimental-wasm-relaxed-simd)')
  const instance = new WebAssembly.Instance(new WebAssembly.Module(relaxed ? bytes.relaxed : bytes.simd), {})
  const ex = instance.exports as unknown as KernelExports
  const base = Math.max(16, ex.heapBase() >> 2)
  let mem = new Float32Array(ex.memory.buffer)
  // packed panels of pinned weights live in [base, scratchStart); per-call regions start after them
  let pinned: Float32Array | null = null
  const packed = new Map<number, { N: number, K: number, at: number }>()
  let scratchStart = base

  // Copies between JS arrays and the instance's memory. Small ones (a single-row prediction's) run as
  // plain loops, which allocate nothing; large ones use set() over a view, which is faster per float.
  function copyIn (src: Float32Array, at: number, n: number): void {
    if (src.length !== n && n <= SMALL_COPY) for (let i = 0; i < n; i++) mem[at + i] = src[i]
    else mem.set(head(src, n), at) // no view is made when src is exactly n long
  }
  function copyOut (dst: Float32Array, from: number, n: number): void {
    if (n <= SMALL_COPY) for (let i = 0; i < n; i++) dst[i] = mem[from + i]
    else dst.set(mem.subarray(from, from + n))
  }

  /** Makes floats [0, end) addressable; refreshes the view, which growing detaches. */
  function ensure (end: number): void {
    const need = end * 4 - ex.memory.buffer.byteLength
    if (need > 0) ex.memory.grow(Math.ceil(need / PAGE))
    if (mem.buffer !== ex.memory.buffer) mem = new Float32Array(ex.memory.buffer)
  }

  function gemmNT (C: Vec, A: Vec, B: Vec, M: number, N: number, K: number, bias: Vec | null, accumulate: boolean): void {
    if (!isF32(C) || !isF32(A) || !isF32(B) || (bias !== null && !isF32(bias))) {
      tsKernels.gemmNT(C, A, B, M, N, K, bias, accumulate)
      return
    }
    if (M === 0 || N === 0) return
    check('C', C, M * N); check('A', A, M * K); check('B', B, N * K)
    if (bias !== null) check('bias', bias, N)
    const panels = pad(Math.ceil(N / 8) * 8 * K)
    let bp = pinnedPanels(B, N, K, panels)
    const reuse = bp >= 0
    const a = scratchStart, b = a + pad(M * K), c = (reuse ? b : b + pad(N * K) + panels), bi = c + pad(M * N), scratch = bi + pad(N)
    if (!reuse) bp = b + pad(N * K)
    ensure(scratch + 16)
    copyIn(A, a, M * K)
    if (bias !== null) copyIn(bias, bi, N)
    if (accumulate) copyIn(C, c, M * N)
    if (!reuse) {
      copyIn(B, b, N * K)
      ex.packB(bp * 4, b * 4, N, K)
    }
    ex.gemmPacked(c * 4, a * 4, bp * 4, bias === null ? 0 : bi * 4, M, N, K, accumulate ? 1 : 0, scratch * 4)
    copyOut(C, c, M * N)
  }

  /** Where B's packed panels are, packing them first if B is a view into the pinned weights; −1 if it is not. */
  function pinnedPanels (B: Float32Array, N: number, K: number, panels: number): number {
    if (pinned === null || B.buffer !== pinned.buffer || B.byteOffset < pinned.byteOffset ||
      B.byteOffset + N * K * 4 > pinned.byteOffset + pinned.byteLength) return -1
    const hit = packed.get(B.byteOffset)
    if (hit !== undefined && hit.N === N && hit.K === K) return hit.at
    const at = scratchStart, raw = at + panels
    scratchStart = raw
    ensure(raw + N * K)
    copyIn(B, raw, N * K)
    ex.packB(at * 4, raw * 4, N, K)
    packed.set(B.byteOffset, { N, K, at })
    return at
  }

  function unpin (): void {
    pinned = null
    packed.clear()
    scratchStart = base
  }

  function transpose (dst: Vec, src: Vec, rows: number, cols: number): void {
    if (!isF32(dst) || !isF32(src)) { tsKernels.transpose(dst, src, rows, cols); return }
    const n = rows * cols
    if (n === 0) return
    check('dst', dst, n); check('src', src, n)
    const s = scratchStart, d = s + pad(n)
    ensure(d + n)
    copyIn(src, s, n)
    ex.transpose(d * 4, s * 4, rows, cols)
    copyOut(dst, d, n)
  }

  function addColumnSums (out: Vec, A: Vec, M: number, N: number): void {
    if (!isF32(out) || !isF32(A)) { tsKernels.addColumnSums(out, A, M, N); return }
    if (N === 0) return
    check('out', out, N); check('A', A, M * N)
    const a = scratchStart, o = a + pad(M * N)
    ensure(o + N)
    copyIn(A, a, M * N)
    copyIn(out, o, N)
    ex.addColumnSums(o * 4, a * 4, M, N)
    copyOut(out, o, N)
  }

  // ---- element-wise passes: regions are padded to 4 floats, the wasm loops run whole v128s ------

  function activate (name: ActivationName, a: Vec, z: Vec, n: number, alpha: number): void {
    if (!isF32(a) || !isF32(z)) { tsKernels.activate(name, a, z, n, alpha); return }
    if (name === 'tanh') { check('a', a, n); check('z', z, n); tanh32(a, z, n); return }
    if (n === 0) return
    check('a', a, n); check('z', z, n)
    const zi = scratchStart, ai = zi + pad(n)
    ensure(ai + pad(n))
    copyIn(z, zi, n)
    ex.activate(ACTIVATION_CODE[name], ai * 4, zi * 4, n4(n), alpha)
    copyOut(a, ai, n)
  }

  function activateBackward (name: ActivationName, d: Vec, z: Vec, a: Vec, n: number, alpha: number): void {
    if (!isF32(d) || !isF32(z) || !isF32(a)) { tsKernels.activateBackward(name, d, z, a, n, alpha); return }
    if (n === 0 || name === 'identity') return
    check('d', d, n); check('z', z, n); check('a', a, n)
    const di = scratchStart, xi = di + pad(n)
    ensure(xi + pad(n))
    copyIn(d, di, n)
    const readsZ = BACKWARD_READS_Z.has(name)
    if (name !== 'step') copyIn(readsZ ? z : a, xi, n)
    ex.activateBackward(ACTIVATION_CODE[name], di * 4, xi * 4, xi * 4, n4(n), alpha)
    copyOut(d, di, n)
  }

  function sgdUpdate (p: Vec, g: Vec, n: number, lr: number): void {
    if (!isF32(p) || !isF32(g)) { tsKernels.sgdUpdate(p, g, n, lr); return }
    const [pi, gi] = regions(n, 2)
    copyIn(p, pi, n); copyIn(g, gi, n)
    ex.sgdUpdate(pi * 4, gi * 4, n4(n), lr)
    copyOut(p, pi, n)
  }

  function momentumUpdate (p: Vec, g: Vec, v: Vec, n: number, lr: number, mu: number, nesterov: boolean): void {
    if (!isF32(p) || !isF32(g) || !isF32(v)) { tsKernels.momentumUpdate(p, g, v, n, lr, mu, nesterov); return }
    const [pi, gi, vi] = regions(n, 3)
    copyIn(p, pi, n); copyIn(g, gi, n); copyIn(v, vi, n)
    ex.momentumUpdate(pi * 4, gi * 4, vi * 4, n4(n), lr, mu, nesterov ? 1 : 0)
    copyOut(p, pi, n); copyOut(v, vi, n)
  }

  function adamUpdate (p: Vec, g: Vec, m: Vec, v: Vec, n: number, s: AdamStep): void {
    if (!isF32(p) || !isF32(g) || !isF32(m) || !isF32(v)) { tsKernels.adamUpdate(p, g, m, v, n, s); return }
    const [pi, gi, mi, vi, ki] = regions(n, s.decay === null ? 4 : 5)
    copyIn(p, pi, n); copyIn(g, gi, n); copyIn(m, mi, n); copyIn(v, vi, n)
    // the mask's bytes go in the fifth region, at 4 per float slot
    if (s.decay !== null) new Uint8Array(mem.buffer, ki * 4, n).set(s.decay.mask.subarray(0, n))
    ex.adamUpdate(pi * 4, gi * 4, mi * 4, vi * 4, n4(n), s.lr, s.beta1, s.beta2, s.epsilon, s.bc1, s.bc2,
      s.decay?.weightDecay ?? 0, s.decay === null ? 0 : ki * 4)
    copyOut(p, pi, n); copyOut(m, mi, n); copyOut(v, vi, n)
  }

  /** count consecutive padded regions of n floats from the scratch start, made addressable */
  function regions (n: number, count: number): number[] {
    const at = Array.from({ length: count }, (_, i) => scratchStart + i * pad(n))
    ensure(scratchStart + count * pad(n))
    return at
  }

  const passes = { activate, activateBackward, sgdUpdate, momentumUpdate, adamUpdate }
  return {
    ...passes,
    gemmNT, transpose, addColumnSums, unpin,
    pin: (weights) => { unpin(); pinned = weights },
    variant: relaxed ? 'relaxed-simd' : 'simd'
  }
}
