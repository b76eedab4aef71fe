/**
 * Ranking a sweep's trials: each trial's metric over its folds summarised as mean ± population
 * standard deviation (numpy.std, ddof=0, as scikit-learn's cv_results_ `std_test_score`), then
 * ranked as GridSearchCV's `rank_test_score`: by mean in the metric's direction, equal means sharing
 * the smallest rank (scipy's rankdata, method='min': 1, 1, 3). Listed best first, equal means in trial
 * order, so the first is the trial GridSearchCV's refit takes (`best_index_`, the first candidate of
 * rank 1). Only trials whose every fold succeeded are ranked. Pure: no I/O.
 */

export interface TrialScores {
  readonly trial: number
  /** the metric of each fold, or null for a fold that has no score (failed, cancelled, not yet run) */
  readonly scores: ReadonlyArray<number | null>
}

export interface RankedTrial { trial: number, mean: number, std: number, rank: number }

/**
 * numpy's float64 sum (pairwise_sum in numpy/core/src/umath/loops_utils.h.src): fewer than 8 values one by
 * one; up to 128 in 8 running sums combined as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)), then the rest one by one;
 * more, split in two at a multiple of 8. Summed left to right instead, 10 folds' mean read 0.9600000000000002
 * where numpy's reads 0.96, and a tie with another trial split in two ranks (a retrial against GridSearchCV).
 */
function numpySum (a: readonly number[], from = 0, n = a.length): number {
  if (n < 8) {
    let sum = 0
    for (let i = 0; i < n; i++) sum += a[from + i]
    return sum
  }
  if (n <= 128) {
    const r = a.slice(from, from + 8)
    let i = 8
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[from + i + j]
    let sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    for (; i < n; i++) sum += a[from + i]
    return sum
  }
  const half = Math.floor(n / 2) - (Math.floor(n / 2) % 8)
  return numpySum(a, from, half) + numpySum(a, from + half, n - half)
}

/** numpy.mean and numpy.std (ddof 0) to the bit: the same sums in the same order. */
export function meanStd (values: readonly number[]): { mean: number, std: number } {
  const mean = numpySum(values) / values.length
  const std = Math.sqrt(numpySum(values.map((v) => (v - mean) * (v - mean))) / values.length)
  return { mean, std }
}

/** The complete trials, best first, with their 1-based rank (shared by equal means). */
export function rankTrials (trials: readonly TrialScores[], greaterIsBetter: boolean): RankedTrial[] {
  const sign = greaterIsBetter ? -1 : 1
  const sorted = trials
    .filter((t) => t.scores.length > 0 && t.scores.every((s) => s !== null && Number.isFinite(s)))
    .map((t) => ({ trial: t.trial, ...meanStd(t.scores as number[]) }))
    .sort((a, b) => sign * (a.mean - b.mean) || a.trial - b.trial)
  let rank = 0
  return sorted.map((t, i) => {
    if (i === 0 || t.mean !== sorted[i - 1].mean) rank = i + 1
    return { ...t, rank }
  })
}
