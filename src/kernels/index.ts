/**
 * Picks the kernel set that training, the engine and prediction pass to nn/: the plain TypeScript
 * reference ('ts'), WebAssembly SIMD ('wasm'), OpenBLAS through koffi ('blas'), or 'auto' (blas when
 * the shared library loads, else wasm when the runtime supports SIMD, else ts).
 * Not a registry of instances across threads: each thread (each JS realm) gets its own.
 */
import { tsKernels, type Kernels } from '../nn/ops.js'
import { createWasmKernels, wasmSupport, type WasmKernels } from './wasm-kernels.js'
import { createBlasKernels, type BlasKernels } from './blas-kernels.js'
import { BlasUnavailable, blasLibraryName, loadBlas } from './blas-library.js'
import { coreTypeNote } from './core-type.js'

export const KERNEL_NAMES = ['ts', 'wasm', 'blas', 'auto'] as const
export type KernelName = (typeof KERNEL_NAMES)[number]
/** A kernel set that actually runs ('auto' resolved, a missing library fallen back from). */
export type ActiveKernels = Exclude<KernelName, 'auto'>

/** What a requested name resolves to on this machine, and why it is not what was asked, if it is not. */
export interface KernelChoice {
  readonly requested: KernelName
  readonly active: ActiveKernels
  /** e.g. 'OpenBLAS libopenblas.so.0 (Haswell kernels), 1 thread per engine thread' */
  readonly detail: string
  /** set when blas was asked for (or auto) and could not load: the reason */
  readonly fallback?: string
  /** set when OPENBLAS_CORETYPE chose OpenBLAS's kernels, not OpenBLAS itself (core-type.ts) */
  readonly coreType?: string
}

let wasm: WasmKernels | null = null
let blasKernels: BlasKernels | null = null

/**
 * Resolves a name the same way in every thread of a process (the library either loads or not),
 * so a job's threads and its prediction all run one kernel set. Never throws.
 */
export function chooseKernels (requested: KernelName): KernelChoice {
  if (requested === 'ts') return { requested, active: 'ts', detail: 'TypeScript reference loops (float64 sums)' }
  let fallback: string | undefined
  if (requested === 'blas' || requested === 'auto') {
    const blas = loadBlas()
    if (!(blas instanceof BlasUnavailable)) {
      const coreType = coreTypeNote(blas.core, process.env.OPENBLAS_CORETYPE)
      return { requested, active: 'blas', detail: `OpenBLAS ${blas.library} (${blas.core} kernels), 1 thread per engine thread`, ...(coreType === undefined ? {} : { coreType }) }
    }
    fallback = blas.message
  }
  const simd = wasmSupport()
  if (simd.simd) return { requested, active: 'wasm', detail: `WebAssembly ${simd.relaxedSimd ? 'relaxed ' : ''}SIMD`, fallback }
  return { requested, active: 'ts', detail: 'TypeScript reference loops (no WebAssembly SIMD in this runtime)', fallback: fallback ?? 'no WebAssembly SIMD in this runtime' }
}

/** The kernels for a name; one instance per thread, created on first use and reused (calls are synchronous). */
export function selectKernels (name: KernelName): Kernels {
  const active = chooseKernels(name).active
  if (active === 'ts') return tsKernels
  wasm ??= createWasmKernels()
  if (active === 'wasm') return wasm
  const blas = loadBlas()
  if (blas instanceof BlasUnavailable) return wasm // not reached: chooseKernels saw it load
  // the element-wise passes stay in WebAssembly, measured faster than the ts loops (bench/kernels.ts)
  blasKernels ??= createBlasKernels(blas, wasm)
  return blasKernels
}

/**
 * Kernels of one model's own, for prediction: a wasm instance keeps the model's weights packed once
 * (pin), so a forward pass costs only the products. The ts and blas kernels need no such state and
 * are shared (BLAS reads the weights where they are).
 */
export function pinnedKernels (name: KernelName, params: Float32Array): Kernels {
  const k = selectKernels(name)
  if (k !== wasm) return k
  const own = createWasmKernels()
  own.pin(params)
  return own
}

export { tsKernels, createWasmKernels, wasmSupport, createBlasKernels, loadBlas, blasLibraryName, BlasUnavailable }
export type { Kernels, WasmKernels, BlasKernels }

interface KernelLog { info (obj: object, msg: string): void, warn (obj: object, msg: string): void }

/** The one line a process logs at start about its kernels: info, or warn when it fell back from blas. */
export function logKernels (log: KernelLog, choice: KernelChoice): void {
  const { requested, active, detail, fallback, coreType } = choice
  if (fallback !== undefined) log.warn({ kernels: active, requested, detail, reason: fallback }, `kernels: ${active} (OpenBLAS unavailable)`)
  else log.info({ kernels: active, requested, detail, ...(coreType === undefined ? {} : { coreType }) }, `kernels: ${active}`)
}
