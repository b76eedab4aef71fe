/**
 * OpenBLAS's small-matrix sgemm (0.3.16 on; the SkylakeX kernels, which the Cooperlake and Sapphire
 * Rapids ones include): a product it permits is computed without packing its operands into blocks.
 * Past it, every call packs B, a layer's whole weight matrix (W1's first layer: 800 KB, ~50 µs), which
 * a prediction's micro-batch of a few rows then pays for each pass. Its permit for our row-major
 * C = A·Bᵀ (CBLAS hands it over as a column-major TN product of M' = N units by N' = M rows):
 *   M'·N'·K ≤ 10⁶, M'·N' ≤ 1200 and K ≥ 32   (kernel/x86_64/sgemm_small_kernel_permit_skylakex.c)
 * Measured for W1's first layer (256 units over 784 inputs, Cooperlake kernels): 18 µs for 4 rows in one
 * call, 76 µs for 6, 70 for 8, 98 for 16, 160 for 32 and 285 for 64; in blocks of 4 rows, 18 a block.
 */

/** OpenBLAS's names for the cores whose kernels have the small-matrix sgemm (openblas_get_corename()). */
const SMALL_MATRIX_CORES = /^(skylakex|cooperlake|sapphirerapids)$/i

export const hasSmallMatrixSgemm = (core: string): boolean => SMALL_MATRIX_CORES.test(core)

/** The most rows of C = A·Bᵀ (N units over K inputs) one small-matrix call takes; 0 when it takes none. */
export function smallMatrixRows (N: number, K: number): number {
  if (K < 32 || N < 1) return 0
  return Math.max(0, Math.min(Math.floor(1200 / N), Math.floor(1e6 / (N * K))))
}

/**
 * Products of fewer rows than this, too large for one small-matrix call, run as several: the blocks
 * cost less than one packed call up to about 55 rows for W1's first layer (the two ways are even at 64).
 */
export const BLOCKS_BELOW_ROWS = 48
