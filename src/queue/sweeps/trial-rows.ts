/**
 * What a sweep's child job trains on and is scored on: with k folds, the rows outside its fold and
 * the fold itself; without, the job's usual training rows and its validationSplit rows. A plain
 * training job trains on every row and is scored by training-processor.ts as before.
 */
import { denormalizeRows } from '../../data/normalize.js'
import { createInputPipeline } from '../../data/model-inputs.js'
import type { TrainingEngine } from '../../engine/engine.js'
import type { KernelName } from '../../kernels/index.js'
import { classLabels, takeRows, type Dataset } from '../../nn/dataset.js'
import type { NetworkSpec } from '../../nn/spec.js'
import { splitForValidation, type TrainOptions } from '../../nn/train.js'
import type { SweepChild, TrainJobData } from '../../schemas/training.js'
import { assignFolds, foldRows } from '../../sweeps/folds.js'
import { heldOutScores } from '../../sweeps/held-out-scores.js'
import type { PreparedData } from '../training-data.js'
import { trainOptionsOf } from '../train-options.js'

export interface TrialRows {
  /** the rows handed to training (its validationSplit then applies within them) */
  readonly train: Dataset
  /** the rows a sweep's child is scored on; null for a plain job, or a trial with nothing held out */
  readonly heldOut: Dataset | null
}

/** `dataset`: targets as the head trains on them (data/class-heads.ts), so classes stratify the folds. */
export function trialRows (spec: NetworkSpec, dataset: Dataset, sweep: SweepChild | undefined, options: TrainOptions): TrialRows {
  if (!sweep) return { train: dataset, heldOut: null }
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
