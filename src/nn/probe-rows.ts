/**
 * Rows that look like ordinary data to a network, in the normalised units its input layer reads: what a model
 * brought in from outside (an import) must answer with finite numbers before it is stored, since a stored model
 * always does. One row at the training means (normalised zeros) had been the whole check, and an import whose
 * weights overflowed on any other row was stored, every later prediction a 422 blaming the caller's row (a hostile
 * trial).
 */
import { Rng } from './random.js'

/** Rows drawn from N(0, 1) besides the fixed ones: enough that one input's overflow is met, few enough to cost nothing. */
const DRAWN = 59
/** The fixed rows' values: every input at once, at the means, ±1 and ±3 standard deviations. */
const LEVELS = [0, 1, -1, 3, -3]

export interface ProbeRows {
  /** `[rows × inputs]`, row-major */
  readonly x: Float32Array
  readonly rows: number
  readonly inputs: number
  /** What row r is, for a message: `every input at +3 standard deviations from its training mean`. */
  describe (r: number): string
}

export function probeRows (inputs: number): ProbeRows {
  const rows = LEVELS.length + DRAWN
  const x = new Float32Array(rows * inputs)
  LEVELS.forEach((level, r) => x.fill(level, r * inputs, (r + 1) * inputs))
  const rng = new Rng(0x5eed)
  for (let i = LEVELS.length * inputs; i < x.length; i++) x[i] = rng.normal()
  return {
    x,
    rows,
    inputs,
    describe: (r) => r === 0
      ? 'an input at the training means (the normalisation offsets)'
      : r < LEVELS.length
        ? `every input at ${LEVELS[r] > 0 ? '+' : '−'}${Math.abs(LEVELS[r])} standard deviation${Math.abs(LEVELS[r]) === 1 ? '' : 's'} from its training mean`
        : 'an ordinary input (each value drawn from the training data\'s spread, a normal distribution in standard deviations)'
  }
}
