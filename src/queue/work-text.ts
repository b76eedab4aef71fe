/**
 * Numbers in the job and sweep size messages (MAX_JOB_WORK, MAX_SWEEP_WORK), written to be read:
 * counts with thousands separators (7,500,010 parameters), products past a billion in the e-notation the
 * limits are configured in (1.35e15 against 1e15), not 1347738319482030 against 1000000000000000.
 */
export const grouped = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 0 })

/** `n` to three significant digits as `1.35e15` (trailing zeros dropped: `1e15`), grouped below 1e9. */
export function workText (n: number): string {
  if (n < 1e9) return grouped(n)
  const exponent = Math.floor(Math.log10(n))
  const mantissa = Number((n / 10 ** exponent).toPrecision(3))
  // 9.995e15 rounds to 10.0: carry it into the exponent
  return mantissa >= 10 ? `${mantissa / 10}e${exponent + 1}` : `${mantissa}e${exponent}`
}
