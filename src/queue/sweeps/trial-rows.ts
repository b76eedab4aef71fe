/**
 * What a sweep's child job trains on and is scored on: with k folds, the rows outside its fold and
 * the fold itself; without, a validationSplit share of the rows held out by the sweep's seed (as
 * scikit-learn's ShuffleSplit(n_splits=1, test_size=validationSplit, random_state=seed), stratified by
 * class), and the rest. Every trial is then scored on the same rows, whatever training seed it searches,
 * and never on the rows its early stopping watched: the job's own validationSplit applies within the rows
 * it trains on, as MLPClassifier's validation_fraction does within GridSearchCV's training folds. A plain
 * training job trains on every row and is scored by training-processor.ts as before.
 */
import { denormalizeRows } from '../../data/normalize.js'
import { createInputPipeline } from '../../data/model-inputs.js'
import type { TrainingEngine } from '../../engine/engine.js'
import type { KernelName } from '../../kernels/index.js'
import { classLabels, splitRows, takeRows, type Dataset } from '../../nn/dataset.js'
import { Rng } from '../../nn/random.js'
import type { NetworkSpec } from '../../nn/spec.js'
import { splitForValidation, type TrainOptions } from '../../nn/train.js'
import type { SweepChild, TrainJobData } from '../../schemas/training.js'
import { assignFolds, foldRows } from '../../sweeps/folds.js'
import { heldOutScores } from '../../sweeps/held-out-scores.js'
import type { PreparedData } from '../training-data.js'
import { trainOptionsOf } from '../train-options.js'

/** The holdout's random stream, apart from the folds' and a job's validation split's on the same seed. */
const HOLDOUT_STREAM = 0x2545f491

export interface TrialRows {
  /** the rows handed to training (its validationSplit then applies within them) */
  readonly train: Dataset
  /** the rows a sweep's child is scored on; null for a plain job, or a trial with nothing held out */
  readonly heldOut: Dataset | null
}

/** `dataset`: targets as the head trains on them (data/class-heads.ts), so classes stratify the folds. */
export function trialRows (spec: NetworkSpec, dataset: Dataset, sweep: SweepChild | undefined, options: TrainOptions): TrialRows {
  if (!sweep) return { train: dataset, heldOut: null }
  if (sweep.holdout) {
    const { train, holdout } = splitRows(dataset.rows, sweep.holdout.fraction, new Rng(sweep.holdout.seed ^ HOLDOUT_STREAM), classLabels(spec, dataset))
    return { train: takeRows(dataset, train), heldOut: holdout.length > 0 ? takeRows(dataset, holdout) : null }
  }
  // a trial queued before the sweep's holdout: scored on its job's validation rows, as then
  if (!sweep.fold) return { train: dataset, heldOut: splitForValidation(spec, dataset, options).validation }
  const { train, test } = foldRows(assignFolds(dataset.rows, sweep.fold.k, sweep.fold.seed, classLabels(spec, dataset)), sweep.fold.index)
  return { train: takeRows(dataset, train), heldOut: takeRows(dataset, test) }
}

/**
 * The rows as trialRows and the core's options resolved on the rows trained on: a fold child's default
 * batch size is a job's rule (min(200, rows)) on its fold's training rows, not on the whole dataset.
 */
export function trialPlan (spec: NetworkSpec, dataset: Dataset, sweep: SweepChild | undefined, training: TrainJobData['training']): TrialRows & { options: TrainOptions } {
  // the split into validation rows reads only validationSplit and seed, the same on any row count
  const rows = trialRows(spec, dataset, sweep, trainOptionsOf(training, dataset.rows))
  return { ...rows, options: trainOptionsOf(training, rows.train.rows) }
}

/** A child's scores (held-out-scores.ts) with the network's outputs computed on the engine's threads, off the event loop. */
export async function scoreHeldOut (engine: TrainingEngine, spec: NetworkSpec, params: Float32Array, heldOut: Dataset,
  prepared: PreparedData, kernels: KernelName = 'auto'): Promise<Record<string, number>> {
  const x = createInputPipeline(prepared.preprocessing, prepared.normalization).rows(heldOut.x, heldOut.rows)
  let outputs = await engine.predict(spec, params, x, heldOut.rows, { kernels })
  if (prepared.targetNormalization) outputs = denormalizeRows(outputs, prepared.targetNormalization)
  return heldOutScores(spec, outputs, heldOut)
}
