/**
 * Which epoch's weights a model holds (the run report's weightsEpoch, src/schemas/training.ts), in words
 * for the job and model pages. The job page marks the best epoch on its curves, and a model stopped
 * without early stopping holds the last epoch's weights, not the best's: a console trial read the mark
 * as the model, and the model page's metrics (that epoch's) against "epochs 56" (epochs run).
 */
interface RunReport { weightsEpoch?: number, bestEpoch?: number | null, stoppedEpoch?: number }

/** "epoch 46's weights: the best of 56 run (early stopping restored them)", or undefined on records without weightsEpoch. */
export function weightsNote ({ weightsEpoch, bestEpoch, stoppedEpoch }: RunReport): string | undefined {
  if (weightsEpoch === undefined) return undefined
  const run = stoppedEpoch !== undefined && stoppedEpoch !== weightsEpoch ? ` of ${stoppedEpoch} run` : ''
  if (weightsEpoch === bestEpoch) return `epoch ${weightsEpoch}'s weights: the best${run}${run ? ' (early stopping restored them)' : ''}`
  const best = bestEpoch === undefined || bestEpoch === null ? '' : `; the best was epoch ${bestEpoch}, which only early stopping keeps`
  return `epoch ${weightsEpoch}'s weights: the last run${best}`
}
