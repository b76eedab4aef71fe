/**
 * Regression scores per output column and averaged, as scikit-learn's mean_squared_error,
 * root_mean_squared_error, mean_absolute_error and r2_score (multioutput='raw_values', and
 * 'uniform_average': the plain mean of the per-output values). Pure.
 */

export interface RegressionScores { mse: number, rmse: number, mae: number, r2: number }

/**
 * Scores of `pred` against `truth` (both rows × O, row-major). R² = 1 − SS_res/SS_tot per output; a
 * constant truth column scores 1 when predicted exactly, else 0 (r2_score's force_finite=True).
 */
export function regressionScores (pred: ArrayLike<number>, truth: ArrayLike<number>, rows: number, O: number): { perOutput: RegressionScores[], average: RegressionScores } {
  if (rows < 1) throw new RangeError('regression scores of zero rows are undefined')
  if (pred.length !== rows * O || truth.length !== rows * O) throw new RangeError(`predictions (${pred.length}) and truth (${truth.length}) must both hold ${rows} rows × ${O} outputs`)
  const perOutput: RegressionScores[] = []
  for (let o = 0; o < O; o++) {
    let mean = 0
    for (let r = 0; r < rows; r++) mean += truth[r * O + o]
    mean /= rows
    let se = 0, ae = 0, ssTot = 0
    for (let r = 0; r < rows; r++) {
      const t = truth[r * O + o]
      const d = pred[r * O + o] - t
      se += d * d; ae += Math.abs(d); ssTot += (t - mean) ** 2
    }
    const mse = se / rows
    perOutput.push({ mse, rmse: Math.sqrt(mse), mae: ae / rows, r2: ssTot === 0 ? (se === 0 ? 1 : 0) : 1 - se / ssTot })
  }
  const mean = (key: keyof RegressionScores): number => perOutput.reduce((s, v) => s + v[key], 0) / O
  return { perOutput, average: { mse: mean('mse'), rmse: mean('rmse'), mae: mean('mae'), r2: mean('r2') } }
}
