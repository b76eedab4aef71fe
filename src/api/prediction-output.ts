/**
 * A forward pass's outputs as the API answers them: in the targets' units (regression outputs
 * de-normalised), as rows of numbers, with class labels where the model has classes.
 */
import { argmaxRows } from '../nn/metrics.js'
import { denormalizeRows } from '../data/normalize.js'
import type { ModelRecord } from '../store/models.js'
import { NON_FINITE_OUTPUT, withProblem } from '../errors.js'
import { firstNonFinite } from '../nn/finite.js'
import type { UnknownCategory } from './prediction-input.js'

export interface Prediction { outputs: number[][], labels?: string[], unknownCategories?: UnknownCategory[] }

/** Row r of a K-wide matrix as numbers (a plain loop: Array.from on a typed array is several times slower). */
function rowOf (m: Float32Array, r: number, K: number): number[] {
  const row = new Array<number>(K)
  for (let k = 0; k < K; k++) row[k] = m[r * K + k]
  return row
}

/**
 * How a model's outputs read as class labels: `argmax` for softmax over its classes, `threshold` for one
 * sigmoid unit on two classes (≥ 0.5 is classes[1]); null for outputs that carry no labels.
 */
export function labelling (meta: Pick<ModelRecord, 'classes' | 'network'>): 'argmax' | 'threshold' | null {
  const { classes, network } = meta
  const K = network.output.units
  if (!classes) return null
  if (network.output.activation === 'softmax' && classes.length === K) return 'argmax'
  if (network.output.activation === 'sigmoid' && K === 1 && classes.length === 2) return 'threshold'
  return null
}

/** Class labels from output rows, as labelling() says; none for outputs without labels. */
function labelsOf (meta: ModelRecord, out: Float32Array, rows: number): string[] | undefined {
  const how = labelling(meta)
  const classes = meta.classes!
  const K = meta.network.output.units
  if (how === 'argmax') return Array.from(argmaxRows(out.subarray(0, rows * K), rows, K), (k) => classes[k])
  if (how === 'threshold') return Array.from({ length: rows }, (_, r) => classes[out[r] >= 0.5 ? 1 : 0])
  return undefined
}

/** The prediction for the first n rows of out (n × the model's output units). */
export function predictionOf (meta: ModelRecord, out: Float32Array, n: number): Prediction {
  const K = meta.network.output.units
  const values = meta.targetNormalization && meta.network.output.activation === 'identity'
    ? denormalizeRows(out.subarray(0, n * K), meta.targetNormalization)
    : out
  // JSON has no NaN or ∞: a 200 with null outputs would look like an answer
  const bad = firstNonFinite(values.subarray(0, n * K))
  if (bad >= 0) throw withProblem(new NON_FINITE_OUTPUT(Math.floor(bad / K), String(values[bad])), { row: Math.floor(bad / K) })
  const labels = labelsOf(meta, values, n)
  const outputs = Array.from({ length: n }, (_, r) => rowOf(values, r, K))
  return labels ? { outputs, labels } : { outputs }
}
