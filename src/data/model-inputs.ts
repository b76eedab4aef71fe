/**
 * The one path from raw feature rows to what a network takes: impute → one-hot encode → normalise,
 * as scikit-learn's Pipeline(SimpleImputer, OneHotEncoder, StandardScaler) would. Rows arrive as
 * "codes" (feature-columns.ts): a number per raw column, a category's index for a categorical column,
 * NaN for a missing cell and -1 for a category the model never saw (encoded as all zeros, as
 * OneHotEncoder(handle_unknown='ignore') does; so are its untrainedCategories, whatever their code). Used by training (fit and transform), its scoring and
 * every prediction path. A model with only numeric columns and no imputer is plain normalisation.
 */
import type { FeatureColumn } from './feature-columns.js'
import { encodedWidth } from './feature-columns.js'
import type { Imputer } from './missing.js'
import { isIdentity, normalizeRowInto, type Normalization } from './normalize.js'

/**
 * A raw feature column as a model holds it. `untrainedCategories`: categories of `categories` that no row the
 * model trained on held (a dataset's category seen only in its validation rows). Their one-hot inputs got no
 * weight (nn/unexercised-inputs.ts), so every reader of a name takes them as categories the model never saw
 * (data/name-index.ts): all zeros, and reported as unknown, as scikit-learn's encoder, fitted on the training
 * rows alone, would not know them.
 */
export type ModelColumn = Pick<FeatureColumn, 'name' | 'kind' | 'categories'> & { readonly untrainedCategories?: readonly string[] }

/** What a model stores besides its normalisation so that predict takes raw rows. */
export interface Preprocessing {
  /** Raw feature columns in order; categorical ones with their categories (one-hot column order). */
  readonly columns: readonly ModelColumn[]
  /** Fills missing cells; absent: a missing cell is refused. */
  readonly imputer?: Imputer
}

export interface InputPipeline {
  /** Raw columns a row has. */
  readonly rawWidth: number
  /** Inputs of the network: the columns one-hot encoded. */
  readonly width: number
  /** Every column numeric: a row of numbers is its own codes. */
  readonly numericOnly: boolean
  readonly preprocessing: Preprocessing
  /** Row r of x (rows × width) from one row of codes. */
  rowInto (codes: ArrayLike<number>, x: Float32Array, r: number): void
  /** A rows × rawWidth matrix of codes → a new rows × width matrix of model inputs. */
  rows (codes: Float32Array, rows: number): Float32Array
}

/** `width` numeric columns named x0, x1, …: the preprocessing of a model stored before columns had kinds. */
export const numericColumns = (width: number): Preprocessing =>
  ({ columns: Array.from({ length: width }, (_, i) => ({ name: `x${i}`, kind: 'numeric' as const })) })

/**
 * A model's raw feature columns, for every reader (prediction, the serving protocols, scoring, ONNX
 * export): its preprocessing when it has one, else `inputs` numeric columns named by its featureNames
 * (an import may carry names without preprocessing), else x0, x1, …. Predict once read x0, x1, … where
 * GET and the export said the featureNames, so records keyed by those names were refused.
 */
export function rawColumnsOf (inputs: number, meta: { readonly preprocessing?: Preprocessing, readonly featureNames?: readonly string[] }): Preprocessing {
  if (meta.preprocessing) return meta.preprocessing
  const names = meta.featureNames
  const numeric = numericColumns(inputs)
  return names?.length === inputs ? { columns: numeric.columns.map((c, i) => ({ ...c, name: names[i] })) } : numeric
}

export function createInputPipeline (pre: Preprocessing, norm: Normalization): InputPipeline {
  const { columns, imputer } = pre
  const rawWidth = columns.length
  const width = encodedWidth(columns)
  if (norm.offset.length !== width) throw new RangeError(`the normalisation has ${norm.offset.length} columns; the encoded features have ${width}`)
  const numericOnly = columns.every((c) => c.kind === 'numeric')
  const plain = isIdentity(norm)
  const sizes = Int32Array.from(columns, (c) => (c.kind === 'categorical' ? c.categories!.length : 0))
  // per categorical column with untrained categories: 1 at each of their indices, which encode as an unknown category does
  const untrained = columns.map(untrainedMask)
  const { offset, scale } = norm

  const rowInto = numericOnly && !imputer
    ? (codes: ArrayLike<number>, x: Float32Array, r: number): void => { normalizeRowInto(codes, norm, plain, x, r) }
    : (codes: ArrayLike<number>, x: Float32Array, r: number): void => {
        let j = r * width
        let o = 0
        for (let c = 0; c < rawWidth; c++) {
          let v = codes[c]
          if (Number.isNaN(v)) {
            if (!imputer) throw new RangeError(`column ${c} (${columns[c].name}) is missing and the model has no missing-value strategy`)
            v = imputer.statistics[c]
          }
          const K = sizes[c]
          if (K === 0) { x[j++] = (v - offset[o]) / scale[o]; o++; continue }
          if (untrained[c]?.[v] === 1) v = -1
          for (let k = 0; k < K; k++, o++) x[j++] = ((k === v ? 1 : 0) - offset[o]) / scale[o]
        }
      }

  return {
    rawWidth,
    width,
    numericOnly,
    preprocessing: pre,
    rowInto,
    rows (codes, n) {
      const x = new Float32Array(n * width)
      for (let r = 0; r < n; r++) rowInto(codes.subarray(r * rawWidth, (r + 1) * rawWidth), x, r)
      return x
    }
  }
}

/** A categorical column's untrainedCategories as 1s at their indices; undefined when it has none. */
function untrainedMask (column: ModelColumn): Uint8Array | undefined {
  if (!column.categories || !column.untrainedCategories?.length) return undefined
  const names = new Set(column.untrainedCategories)
  return Uint8Array.from(column.categories, (k) => (names.has(k) ? 1 : 0))
}

/** Which encoded columns are one-hot columns of a category (their normalisation stays identity: 0/1, zeros for unknown). */
export function oneHotColumns (pre: Preprocessing): boolean[] {
  return pre.columns.flatMap((c) => (c.kind === 'categorical' ? c.categories!.map(() => true) : [false]))
}
