/**
 * What a job trains on and how it is scored: normalisation fitted on the training rows only (the
 * validation rows never leak into it), the normalised copy the engine sees, and the validation
 * metrics in the targets' own units. Pure functions; no Redis, no engine.
 */
import { columnStats } from '../data/column-stats.js'
import { denormalizeRows, normalizationFrom, normalizeRows, type Normalization, type NormalizationKind } from '../data/normalize.js'
import type { Dataset } from '../nn/dataset.js'
import { evaluate } from '../nn/metrics.js'
import { createNetwork, predict } from '../nn/network.js'
import type { NetworkSpec } from '../nn/spec.js'
import { splitForValidation, type EpochStats, type TrainOptions } from '../nn/train.js'

export interface PreparedData {
  /** the dataset with features (and, for regression, targets) normalised */
  readonly data: Dataset
  readonly normalization: Normalization
  /** regression only: outputs are mapped back through it */
  readonly targetNormalization?: Normalization
  /** rows trained on per epoch (the rest are validation rows) */
  readonly trainRows: number
}

/**
 * Fits the normalisation on the rows train() will train on (the same seeded split), unless the
 * caller passes one (fine-tuning keeps its parent's, or the weights would see other units).
 */
export function prepareData (spec: NetworkSpec, raw: Dataset, options: TrainOptions, kind: NormalizationKind,
  inherited?: { normalization?: Normalization, targetNormalization?: Normalization }): PreparedData {
  const { train } = splitForValidation(spec, raw, options)
  const normalization = inherited?.normalization ?? normalizationFrom(kind, columnStats(train.x, train.rows, train.inputs))
  const scaleTargets = spec.output.activation === 'identity' && (inherited ? inherited.targetNormalization !== undefined : kind !== 'none')
  const targetNormalization = !scaleTargets
    ? undefined
    : inherited?.targetNormalization ?? normalizationFrom('standard', columnStats(train.y, train.rows, train.outputs))
  const data: Dataset = {
    ...raw,
    x: normalizeRows(raw.x, normalization),
    y: targetNormalization ? normalizeRows(raw.y, targetNormalization) : raw.y
  }
  return { data, normalization, ...(targetNormalization ? { targetNormalization } : {}), trainRows: train.rows }
}

/**
 * Final metrics: the last epoch's losses, and on the validation rows (if any) accuracy for
 * classification heads or MSE/MAE/R² in the targets' units for regression. `validationOutputs`: the
 * network's raw (normalised-unit) outputs on those rows, if already computed elsewhere.
 */
export function trainingMetrics (spec: NetworkSpec, params: Float32Array, raw: Dataset, options: TrainOptions,
  prepared: PreparedData, history: readonly EpochStats[], validationOutputs?: Float32Array): Record<string, number> {
  const metrics: Record<string, number> = { epochs: history.length }
  const last = history[history.length - 1]
  if (last) {
    metrics.loss = last.loss
    if (last.accuracy !== undefined) metrics.accuracy = last.accuracy
    if (last.valLoss !== undefined) metrics.valLoss = last.valLoss
  }
  const { validation } = splitForValidation(spec, raw, options)
  if (!validation) return metrics
  // a worker passes outputs its threads computed (job-scoring.ts): scoring here would block its event loop
  let outputs = validationOutputs ?? predict(createNetwork(spec, { params }), normalizeRows(validation.x, prepared.normalization), validation.rows)
  if (prepared.targetNormalization) outputs = denormalizeRows(outputs, prepared.targetNormalization)
  const report = evaluate(spec, outputs, validation)
  if (report.kind === 'classification') {
    metrics.valAccuracy = report.accuracy
  } else {
    metrics.valMse = report.mse
    metrics.valMae = report.mae
    metrics.valR2 = report.r2
  }
  return metrics
}
