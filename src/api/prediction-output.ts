/**
 * A forward pass's outputs as the API answers them: in the targets' units (regression outputs
 * de-normalised), as rows of numbers, with class labels where the model has classes.
 */
import { headOf } from '../nn/heads.js'
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
 * Whether a model's outputs read as its class labels: its head reads one class per row (softmax over
 * its classes; one sigmoid unit on two, ≥ the threshold being classes[1]) and it has that many classes.
 */
export function hasLabels (meta: Pick<ModelRecord, 'classes' | 'network'>): boolean {
  const n = headOf(meta.network).classCount(meta.network.output.units)
  return n > 0 && meta.classes?.length === n
}

/** Class labels of the first rows of out, as the head reads them (Head.classOf); none for outputs without labels. */
function labelsOf (meta: ModelRecord, out: Float32Array, rows: number): string[] | undefined {
  if (!hasLabels(meta)) return undefined
  const classes = meta.classes!
  const K = meta.network.output.units
  const index = headOf(meta.network).classOf(out.subarray(0, rows * K), rows, K)!
  return Array.from(index, (k) => classes[k])
}

/** The prediction for the first n rows of out (n × the model's output units). */
export function predictionOf (meta: ModelRecord, out: Float32Array, n: number): Prediction {
  const K = meta.network.output.units
  const values = meta.targetNormalization && headOf(meta.network).task(K) === 'regression'
    ? denormalizeRows(out.subarray(0, n * K), meta.targetNormalization)
    : out
  // JSON has no NaN or ∞: a 200 with null outputs would look like an answer
  const bad = firstNonFinite(values.subarray(0, n * K))
  if (bad >= 0) throw withProblem(new NON_FINITE_OUTPUT(Math.floor(bad / K), String(values[bad])), { row: Math.floor(bad / K) })
  const labels = labelsOf(meta, values, n)
  const outputs = Array.from({ length: n }, (_, r) => rowOf(values, r, K))
  return labels ? { outputs, labels } : { outputs }
}
