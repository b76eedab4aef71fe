/**
 * OpenBLAS's CBLAS entry points, loaded through koffi (an FFI whose prebuilt binaries ship in its npm
 * package) from the shared library Debian's `libopenblas0` installs. Float32Arrays — views into
 * SharedArrayBuffers included — are passed as pointers to their own memory: no copy in or out.
 * Not here: which products go to BLAS (blas-kernels.ts) or the choice of kernel set (index.ts).
 */
import { createRequire } from 'node:module'

/** The library file, found on the loader's path (`ldconfig -p | grep openblas`); BLAS_LIBRARY overrides it. */
export const DEFAULT_BLAS_LIBRARY = 'libopenblas.so.0'

// CBLAS enum values (cblas.h)
export const ROW_MAJOR = 101
export const NO_TRANS = 111
export const TRANS = 112

export interface Blas {
  /** C (M×N) = α·op(A)·op(B) + β·C, row-major, leading dimensions lda/ldb/ldc (cblas_sgemm) */
  sgemm (order: number, ta: number, tb: number, M: number, N: number, K: number, alpha: number,
    A: Float32Array, lda: number, B: Float32Array, ldb: number, beta: number, C: Float32Array, ldc: number): void
  /** y (M) = α·A·x + β·y for A M×N row-major with NO_TRANS (cblas_sgemv) */
  sgemv (order: number, ta: number, M: number, N: number, alpha: number, A: Float32Array, lda: number,
    x: Float32Array, incx: number, beta: number, y: Float32Array, incy: number): void
  /** x ← α·x (cblas_sscal) and y ← α·x + y (cblas_saxpy), n values with strides incx/incy */
  sscal (n: number, alpha: number, x: Float32Array, incx: number): void
  saxpy (n: number, alpha: number, x: Float32Array, incx: number, y: Float32Array, incy: number): void
  /** the file that was loaded, and OpenBLAS's name for the CPU kernels it picked (e.g. 'Haswell') */
  readonly library: string
  readonly core: string
}

/** Why the library could not be used: the message names the file and the fix. */
export class BlasUnavailable extends Error {
  override name = 'BlasUnavailable'
}

interface KoffiLib { func (signature: string): (...args: unknown[]) => unknown }
interface Koffi { load (path: string): KoffiLib }

const loaded = new Map<string, Blas | BlasUnavailable>()

/** The library named by BLAS_LIBRARY (else libopenblas.so.0). */
export function blasLibraryName (): string {
  // read here, not from config: engine threads load it too, and they inherit the process environment
  return process.env.BLAS_LIBRARY || DEFAULT_BLAS_LIBRARY
}

/**
 * Loads the library once per thread (each JS realm needs its own function objects) and sets
 * OpenBLAS to one thread: every engine thread runs its own products, and a BLAS thread pool under
 * each would oversubscribe the cores and make the split depend on the machine's load.
 * Returns a BlasUnavailable instead of throwing, so callers can fall back.
 */
export function loadBlas (library: string = blasLibraryName()): Blas | BlasUnavailable {
  let got = loaded.get(library)
  if (got === undefined) {
    got = open(library)
    loaded.set(library, got)
  }
  return got
}

function open (library: string): Blas | BlasUnavailable {
  let lib: KoffiLib
  try {
    const koffi = createRequire(import.meta.url)('koffi') as Koffi
    lib = koffi.load(library)
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err)
    return new BlasUnavailable(`OpenBLAS (${library}) could not be loaded: ${why}. Install it (Debian: apt-get install libopenblas0) or set BLAS_LIBRARY`)
  }
  try {
    const sgemm = lib.func('void cblas_sgemm(int order, int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc)')
    const sgemv = lib.func('void cblas_sgemv(int order, int ta, int M, int N, float alpha, const float *A, int lda, const float *x, int incx, float beta, float *y, int incy)')
    const sscal = lib.func('void cblas_sscal(int n, float alpha, float *x, int incx)')
    const saxpy = lib.func('void cblas_saxpy(int n, float alpha, const float *x, int incx, float *y, int incy)')
    lib.func('void openblas_set_num_threads(int n)')(1)
    const core = String(lib.func('const char *openblas_get_corename()')())
    return {
      sgemm: sgemm as Blas['sgemm'], sgemv: sgemv as Blas['sgemv'], sscal: sscal as Blas['sscal'], saxpy: saxpy as Blas['saxpy'], library, core
    }
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err)
    return new BlasUnavailable(`${library} loaded but is not OpenBLAS with CBLAS: ${why}`)
  }
}
