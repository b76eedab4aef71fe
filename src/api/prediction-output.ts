/**
 * A forward pass's outputs as the API answers them: in the targets' units and with class labels where
 * the model has classes (both from the inference path, inference/model-inference.ts), as rows of
 * numbers, and refused when a value is not finite.
 */
import { NON_FINITE_OUTPUT, withProblem } from '../errors.js'
import { firstNonFinite } from '../nn/finite.js'
import type { ModelInference } from '../inference/model-inference.js'
import type { UnknownCategory } from './prediction-input.js'

export interface Prediction { outputs: number[][], labels?: string[], unknownCategories?: UnknownCategory[] }

/** Row r of a K-wide matrix as numbers (a plain loop: Array.from on a typed array is several times slower). */
function rowOf (m: Float32Array, r: number, K: number): number[] {
  const row = new Array<number>(K)
  for (let k = 0; k < K; k++) row[k] = m[r * K + k]
  return row
}

/** The prediction for the first n rows of out (n × the model's output units); NON_FINITE_OUTPUT (422) naming the first row with NaN or ∞. */
export function predictionOf (model: ModelInference, out: Float32Array, n: number): Prediction {
  const K = model.spec.output.units
  const values = model.values(out, n)
  // JSON has no NaN or ∞: a 200 with null outputs would look like an answer
  const bad = firstNonFinite(values.subarray(0, n * K))
  if (bad >= 0) throw withProblem(new NON_FINITE_OUTPUT(Math.floor(bad / K), String(values[bad])), { row: Math.floor(bad / K) })
  const labels = model.labels(values, n)
  const outputs = Array.from({ length: n }, (_, r) => rowOf(values, r, K))
  return labels ? { outputs, labels } : { outputs }
}
