/**
 * The one path from stored dataset rows to a stored model's outputs, shared by evaluation and dataset
 * predictions (and the place where any input preprocessing stored with a model is applied): raw feature
 * rows → the model's normalisation → forward pass (the predictor's kernels, so values equal predict's) →
 * outputs as the network gives them (probabilities, or regression values still in normalised units).
 * No I/O: it runs on the event loop or on a scoring thread alike.
 */
import { UNPROCESSABLE } from '../../errors.js'
import { createNetwork, createWorkspace, forward } from '../../nn/network.js'
import type { NetworkSpec } from '../../nn/spec.js'
import { normalizeRows, type Normalization } from '../../data/normalize.js'
import { pinnedKernels, type KernelName } from '../../kernels/index.js'
import type { ModelRecord } from '../../store/models.js'
import type { DatasetMeta } from '../../store/datasets.js'

/** What inference needs of a stored model: its network, weights and the preprocessing stored with it. */
export interface InferenceModel {
  readonly spec: NetworkSpec
  readonly params: Float32Array
  readonly meta: Pick<ModelRecord, 'normalization' | 'targetNormalization' | 'classes' | 'network' | 'featureNames'>
}

export interface RowInference {
  /** Network outputs (rows × output units) for `rows` raw feature rows of x (rows × inputs); a fresh array. */
  run (x: Float32Array, rows: number): Float32Array
}

/** Rows per forward pass: the workspace is this size whatever the dataset's. */
export const INFERENCE_CHUNK = 256

export function createRowInference (model: InferenceModel, kernels: KernelName = 'auto'): RowInference {
  const net = createNetwork(model.spec, { params: model.params })
  const k = pinnedKernels(kernels, model.params)
  const ws = createWorkspace(net, INFERENCE_CHUNK)
  const I = model.spec.inputs
  const K = model.spec.output.units
  const norm: Normalization | undefined = model.meta.normalization
  const scratch = new Float32Array(INFERENCE_CHUNK * I)
  return {
    run (x, rows) {
      const out = new Float32Array(rows * K)
      for (let r = 0; r < rows; r += INFERENCE_CHUNK) {
        const B = Math.min(INFERENCE_CHUNK, rows - r)
        const raw = x.subarray(r * I, (r + B) * I)
        const input = norm ? normalizeRows(raw, norm, scratch.subarray(0, B * I)) : raw
        out.set(forward(net, ws, input, B, k).subarray(0, B * K), r * K)
      }
      return out
    }
  }
}

/**
 * A dataset fits a model when it has the model's feature columns, by count and (where both have
 * names) by name and order, and targets of the model's kind. UNPROCESSABLE (422) saying what differs.
 */
export function checkDatasetFitsModel (model: InferenceModel, dataset: Pick<DatasetMeta, 'id' | 'inputs' | 'outputs' | 'featureNames' | 'classes'>, needTargets: boolean): void {
  const { spec, meta } = model
  if (dataset.inputs !== spec.inputs) {
    throw new UNPROCESSABLE(`dataset '${dataset.id}' has ${dataset.inputs} feature columns; the model takes ${spec.inputs}${meta.featureNames ? ` (${meta.featureNames.join(', ')})` : ''}`)
  }
  const names = meta.featureNames
  if (names && names.some((n, i) => n !== dataset.featureNames[i])) {
    throw new UNPROCESSABLE(`dataset '${dataset.id}' has the feature columns ${dataset.featureNames.join(', ')}; the model was trained on ${names.join(', ')} (same names, same order)`)
  }
  if (!needTargets) return
  const classifier = spec.output.activation !== 'identity'
  if (classifier && !dataset.classes) throw new UNPROCESSABLE(`dataset '${dataset.id}' has numeric targets; the model is a classifier: upload the targets as class labels`)
  if (!classifier && dataset.classes) throw new UNPROCESSABLE(`dataset '${dataset.id}' has class labels as targets; the model is a regression model`)
  if (!classifier && dataset.outputs !== spec.output.units) {
    throw new UNPROCESSABLE(`dataset '${dataset.id}' has ${dataset.outputs} target columns; the model has ${spec.output.units} outputs`)
  }
}
