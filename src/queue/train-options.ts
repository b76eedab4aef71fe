/**
 * The core's training options (nn/train.ts) from a job's `training`: the defaults that depend on the
 * data resolved on the rows the job trains on (batch size: scikit-learn's min(200, rows)), and
 * `earlyStopping: false` as none. A sweep's fold child resolves them on its fold's training rows
 * (sweeps/trial-rows.ts), so it gets what a job on those rows would.
 */
import type { TrainOptions } from '../nn/train.js'
import { batchSizeFor, type TrainJobData } from '../schemas/training.js'
import { withOptimizerDefaults } from '../nn/optimizers.js'
import { withScheduleDefaults } from '../nn/schedules.js'

/** `rows`: the rows handed to training (its validationSplit then applies within them). `classWeight` is applied to the targets (data/class-weights.ts). */
export const trainOptionsOf = ({ normalize: _n, classWeight: _w, batchSize, earlyStopping, ...t }: TrainJobData['training'], rows: number): TrainOptions =>
  ({ ...t, batchSize: batchSizeFor(batchSize, rows), ...(earlyStopping === false ? {} : { earlyStopping }) })

/**
 * A job's training options as it runs them, for its record (the job's view, the stored model): every
 * option left out written in — the optimizer's and schedule's own (nn/optimizers.ts, nn/schedules.ts),
 * shuffle, seed, and the batch size once the rows it resolves on are known.
 */
export function effectiveTraining (t: TrainJobData['training'], batchSize?: number): TrainJobData['training'] {
  return {
    ...t,
    ...(t.batchSize === undefined && batchSize !== undefined ? { batchSize } : {}),
    optimizer: withOptimizerDefaults(t.optimizer),
    schedule: withScheduleDefaults(t.schedule, t.epochs),
    shuffle: t.shuffle ?? true,
    seed: t.seed ?? 0,
    normalize: t.normalize ?? 'standard'
  }
}
