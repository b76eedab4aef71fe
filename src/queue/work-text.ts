/**
 * Numbers in the job and sweep size messages (MAX_JOB_WORK, MAX_SWEEP_WORK), written to be read:
 * counts with thousands separators (7,500,010 parameters), products past a billion in the e-notation the
 * limits are configured in (1.35e15 against 1e15), not 1347738319482030 against 1000000000000000.
 */
export const grouped = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 0 })

/** `n` to `digits` significant digits as `1.35e15` (trailing zeros dropped: `1e15`), grouped below 1e9. */
export function workText (n: number, digits = 3): string {
  if (n < 1e9) return grouped(n)
  const exponent = Math.floor(Math.log10(n))
  const mantissa = Number((n / 10 ** exponent).toPrecision(digits))
  // 9.995e15 rounds to 10.0: carry it into the exponent
  return mantissa >= 10 ? `${mantissa / 10}e${exponent + 1}` : `${mantissa}e${exponent}`
}

/**
 * A work figure against its limit, each as workText writes it, with as many more digits as it takes for the
 * two to read differently: 1.0006e15 over a limit of 1e15 read "= 1e15; the limit is 1e15" (a hostile trial's).
 */
export function overLimit (work: number, limit: number): [string, string] {
  for (let digits = 3; digits < 16; digits++) {
    const [a, b] = [workText(work, digits), workText(limit, digits)]
    if (a !== b) return [a, b]
  }
  return [String(work), String(limit)]
}
