/**
 * Philox4x32-10 (Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3"), the
 * counter-based generator PyTorch's CUDA dropout uses: four 32-bit words out of a 128-bit counter
 * and a 64-bit key, with no state. A dropout mask keyed by (seed, epoch, row, unit) is then the
 * same whichever thread, shard or resumed run computes it. Checked against the paper's known-answer
 * vectors (test/nn/philox.test.ts).
 */

const M0 = 0xd2511f53, M1 = 0xcd9e8d57
const W0 = 0x9e3779b9, W1 = 0xbb67ae85

/** The high 32 bits of the 64-bit product of two 32-bit unsigned integers (exact: every partial sum stays below 2⁵³). */
function mulhi (a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16
  const lo = a0 * b0, m1 = a1 * b0, m2 = a0 * b1
  const carry = ((lo >>> 16) + (m1 & 0xffff) + (m2 & 0xffff)) / 65536
  return (a1 * b1 + Math.floor(m1 / 65536) + Math.floor(m2 / 65536) + Math.floor(carry)) >>> 0
}

/** Writes Philox4x32-10 of counter (c0..c3) under key (k0, k1) into out[0..3] (no allocation). */
export function philox (out: Uint32Array, c0: number, c1: number, c2: number, c3: number, k0: number, k1: number): void {
  let x0 = c0 >>> 0, x1 = c1 >>> 0, x2 = c2 >>> 0, x3 = c3 >>> 0
  let y0 = k0 >>> 0, y1 = k1 >>> 0
  for (let round = 0; round < 10; round++) {
    const hi0 = mulhi(M0, x0), lo0 = Math.imul(M0, x0) >>> 0
    const hi1 = mulhi(M1, x2), lo1 = Math.imul(M1, x2) >>> 0
    x0 = (hi1 ^ x1 ^ y0) >>> 0
    x1 = lo1
    x2 = (hi0 ^ x3 ^ y1) >>> 0
    x3 = lo0
    y0 = (y0 + W0) >>> 0
    y1 = (y1 + W1) >>> 0
  }
  out[0] = x0; out[1] = x1; out[2] = x2; out[3] = x3
}
