/**
 * OPENBLAS_CORETYPE, which OpenBLAS reads as it loads: it names the CPU whose kernels it runs, instead of
 * the ones it would pick for this CPU. Some machines set it for the whole system (one seen here set
 * Haswell on AMD EPYCs with AVX-512), and then every product runs the AVX2 kernels. Measured on such a
 * machine (2026-12-02, one thread, OpenBLAS 0.3.21): W1's 128×784×256 product at 100 GFLOP/s with Haswell's
 * kernels against 151–163 with Cooperlake's, and a one-row 784→256 product in 57 µs against 10–11 µs (the
 * small-matrix kernel). Keeping it can be deliberate: the same kernels give the same bits on every machine.
 * So the service says it, and does not override it.
 */
import { readFileSync } from 'node:fs'
import { hasSmallMatrixSgemm } from './small-matrix.js'

/** The AVX-512 subsets OpenBLAS's SkylakeX kernels (and Cooperlake's, Sapphire Rapids') need. */
const AVX512_FOR_SKYLAKEX = ['avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl']

/** The CPU's feature flags (Linux's /proc/cpuinfo); empty where that cannot be read. */
export function cpuFlags (cpuinfo?: string): Set<string> {
  let text = cpuinfo
  if (text === undefined) {
    try { text = readFileSync('/proc/cpuinfo', 'utf8') } catch { return new Set() }
  }
  const line = text.split('\n').find((l) => /^flags\s*:/.test(l))
  return new Set(line === undefined ? [] : line.slice(line.indexOf(':') + 1).trim().split(/\s+/))
}

/**
 * What to tell an operator about OPENBLAS_CORETYPE, or undefined when it is not set: the kernels it
 * holds OpenBLAS to, and, when this CPU could run the faster AVX-512 ones, that unsetting it would.
 * `core` is the kernels OpenBLAS reports it runs (openblas_get_corename()), `coreType` the variable's value.
 */
export function coreTypeNote (core: string, coreType: string | undefined, flags: Set<string> = cpuFlags()): string | undefined {
  if (coreType === undefined || coreType.trim() === '') return undefined
  // OpenBLAS ignores a name it does not know and picks for the CPU, and maps some names to the nearest kernels it
  // has (SapphireRapids to Cooperlake in 0.3.21): only a name it runs under that name "holds" it (a retrial: Foo had read so)
  // compared as set, spaces and all: OpenBLAS does not trim them (' Cooperlake' is a name it does not know)
  if (coreType.toLowerCase() !== core.toLowerCase()) {
    return `OPENBLAS_CORETYPE=${JSON.stringify(coreType)} is set, but OpenBLAS runs its ${core} kernels: it ignores a name it does not know, and runs the nearest kernels it has for some`
  }
  const set = `OPENBLAS_CORETYPE=${coreType} holds OpenBLAS to its ${core} kernels`
  if (!hasSmallMatrixSgemm(core) && AVX512_FOR_SKYLAKEX.every((f) => flags.has(f))) {
    return `${set}, though this CPU has AVX-512: unset it for the faster SkylakeX-family kernels, or keep it for the same bits on every machine`
  }
  return set
}
