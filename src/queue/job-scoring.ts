/**
 * Scoring a finished job's validation rows on the engine's threads, not on the worker's event loop:
 * a large validation set through a large network takes seconds, and an event loop blocked that long
 * cannot renew the job's BullMQ lock (the job would be taken again and trained twice). What remains
 * on the loop is O(rows × columns): splitting, imputing, encoding and normalising the rows.
 */
import { inputPipelineOf } from '../inference/model-inference.js'
import type { TrainingEngine } from '../engine/engine.js'
import type { KernelName } from '../kernels/index.js'
import type { Dataset } from '../nn/dataset.js'
import type { NetworkSpec } from '../nn/spec.js'
import { splitForValidation, type TrainOptions } from '../nn/train.js'
import type { PreparedData } from './training-data.js'

/** The network's outputs (normalised units, rows × outputs) on the job's validation rows; undefined without any. */
export async function validationOutputs (engine: TrainingEngine, spec: NetworkSpec, params: Float32Array, raw: Dataset,
  options: TrainOptions, prepared: PreparedData, kernels: KernelName = 'auto'): Promise<Float32Array | undefined> {
  const { validation } = splitForValidation(spec, raw, options)
  if (!validation) return undefined
  return await engine.predict(spec, params, inputPipelineOf(spec, prepared).rows(validation.x, validation.rows), validation.rows, { kernels })
}
