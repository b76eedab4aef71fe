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

export function meanStd (values: readonly number[]): { mean: number, std: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length
  const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length)
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
