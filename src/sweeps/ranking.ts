/**
 * Ranking a sweep's trials: each trial's metric over its folds summarised as mean ± population
 * standard deviation (numpy.std, ddof=0, as scikit-learn's cv_results_ `std_test_score`), then
 * ordered by mean in the metric's direction, ties by the smaller std, then by trial number. Only
 * trials whose every fold succeeded are ranked. Pure: no I/O.
 */

export interface TrialScores {
  readonly trial: number
  /** the metric of each fold, or null for a fold that has no score (failed, cancelled, not yet run) */
  readonly scores: ReadonlyArray<number | null>
}

export interface RankedTrial { trial: number, mean: number, std: number, rank: number }

export function meanStd (values: readonly number[]): { mean: number, std: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length
  const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length)
  return { mean, std }
}

/** The complete trials, best first, with their 1-based rank. */
export function rankTrials (trials: readonly TrialScores[], greaterIsBetter: boolean): RankedTrial[] {
  const sign = greaterIsBetter ? -1 : 1
  return trials
    .filter((t) => t.scores.length > 0 && t.scores.every((s) => s !== null && Number.isFinite(s)))
    .map((t) => ({ trial: t.trial, ...meanStd(t.scores as number[]) }))
    .sort((a, b) => sign * (a.mean - b.mean) || a.std - b.std || a.trial - b.trial)
    .map((t, i) => ({ ...t, rank: i + 1 }))
}
