/**
 * A stored model's input pipeline (data/model-inputs.ts) as ONNX nodes, in the same order: impute →
 * one-hot encode → normalise, as scikit-learn's Pipeline(SimpleImputer, OneHotEncoder, StandardScaler).
 * It reads raw rows of codes `[N × columns]`, float32: a numeric column's value; a categorical column's
 * category index (0-based, in the model's `categories` order, as stored datasets hold it); NaN for a
 * missing cell. Any other code in a categorical column (e.g. -1), and the code of one of its
 * untrainedCategories, encodes as all zeros, as an unseen category does in predict
 * (OneHotEncoder(handle_unknown='ignore')). It gives the network's inputs
 * `[N × width]`, width = columns with each categorical one widened to one input per category.
 */
import type { Preprocessing } from '../data/model-inputs.js'
import { isIdentity, type Normalization } from '../data/normalize.js'
import { FLOAT, type OnnxGraph } from './graph.js'

/** SimpleImputer.transform: a NaN cell of column c becomes statistics[c] (Where(IsNaN(x), statistics, x)). */
function emitImputer (g: OnnxGraph, x: string, statistics: readonly number[]): string {
  const stats = g.floats('imputer_statistics', [statistics.length], statistics)
  return g.op('Where', [g.op('IsNaN', [x]), stats, x], { docString: 'SimpleImputer: a missing (NaN) cell takes its column\'s statistic' })
}

/**
 * One-hot encoding without a node per column: Gather copies each raw column to every encoded column it
 * feeds ([N × columns] → [N × width]); a one-hot column k of a categorical column is then (code = k) as
 * 0/1, and a numeric column keeps its value (Where over a constant mask).
 */
function emitOneHot (g: OnnxGraph, x: string, columns: Preprocessing['columns']): string {
  const source: number[] = []
  const code: number[] = []
  const oneHot: boolean[] = []
  columns.forEach((col, c) => {
    const K = col.kind === 'categorical' ? col.categories!.length : 0
    if (K === 0) { source.push(c); code.push(0); oneHot.push(false); return }
    // an untrained category's column compares with NaN, which no code equals: it stays 0, as predict encodes it
    const untrained = new Set(col.untrainedCategories)
    for (let k = 0; k < K; k++) { source.push(c); code.push(untrained.has(col.categories![k]) ? NaN : k); oneHot.push(true) }
  })
  const W = source.length
  const spread = g.op('Gather', [x, g.int64s('one_hot_source_column', [W], source)], { attributes: { axis: { int: 1 } } })
  const hits = g.op('Cast', [g.op('Equal', [spread, g.floats('one_hot_category', [W], code)])], { attributes: { to: { int: FLOAT } } })
  return g.op('Where', [g.bools('one_hot_mask', [W], oneHot), hits, spread], { docString: 'OneHotEncoder(handle_unknown=\'ignore\'): one 0/1 input per category' })
}

/** x' = (x − offset) / scale per column (data/normalize.ts); nothing for an identity normalisation. */
function emitNormalization (g: OnnxGraph, x: string, norm: Normalization): string {
  if (isIdentity(norm)) return x
  const W = norm.offset.length
  const centred = g.op('Sub', [x, g.floats('normalization_offset', [W], norm.offset)])
  return g.op('Div', [centred, g.floats('normalization_scale', [W], norm.scale)], { docString: `${norm.kind} normalisation: (x − offset) / scale` })
}

/** The nodes from the raw input `x` to the network's first layer; returns the name of the network's input. */
export function emitInputPipeline (g: OnnxGraph, x: string, pre: Preprocessing, norm: Normalization | undefined): string {
  let v = x
  if (pre.imputer) v = emitImputer(g, v, pre.imputer.statistics)
  if (pre.columns.some((c) => c.kind === 'categorical')) v = emitOneHot(g, v, pre.columns)
  return norm ? emitNormalization(g, v, norm) : v
}
