/**
 * The core's training options (nn/train.ts) from a job's `training`: the defaults that depend on the
 * data resolved on the rows the job trains on (batch size: scikit-learn's min(200, rows)), and
 * `earlyStopping: false` as none. A sweep's fold child resolves them on its fold's training rows
 * (sweeps/trial-rows.ts), so it gets what a job on those rows would.
 */
import type { TrainOptions } from '../nn/train.js'
import { batchSizeFor, type TrainJobData } from '../schemas/training.js'

/** `rows`: the rows handed to training (its validationSplit then applies within them). */
export const trainOptionsOf = ({ normalize: _n, batchSize, earlyStopping, ...t }: TrainJobData['training'], rows: number): TrainOptions =>
  ({ ...t, batchSize: batchSizeFor(batchSize, rows), ...(earlyStopping === false ? {} : { earlyStopping }) })
