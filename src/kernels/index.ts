/**
 * Picks the kernel set that training, the engine and prediction pass to nn/: the plain TypeScript
 * reference ('ts'), WebAssembly SIMD ('wasm'), or 'auto' (wasm when the runtime supports SIMD).
 * Not a registry of instances across threads: each thread (each JS realm) gets its own.
 */
import { tsKernels, type Kernels } from '../nn/ops.js'
import { createWasmKernels, wasmSupport, type WasmKernels } from './wasm-kernels.js'

export const KERNEL_NAMES = ['ts', 'wasm', 'auto'] as const
export type KernelName = (typeof KERNEL_NAMES)[number]

let wasm: WasmKernels | null = null

/** The kernels for a name; the wasm instance is created once per thread and reused (calls are synchronous). */
export function selectKernels (name: KernelName): Kernels {
  if (name === 'ts') return tsKernels
  if (name === 'auto' && !wasmSupport().simd) return tsKernels
  wasm ??= createWasmKernels()
  return wasm
}

/**
 * Kernels of one model's own, for prediction: a wasm instance keeps the model's weights packed once
 * (pin), so a forward pass costs only the products. The ts kernels need no such state and are shared.
 */
export function pinnedKernels (name: KernelName, params: Float32Array): Kernels {
  const k = selectKernels(name)
  if (k === tsKernels) return k
  const own = createWasmKernels()
  own.pin(params)
  return own
}

export { tsKernels, createWasmKernels, wasmSupport }
export type { Kernels, WasmKernels }
