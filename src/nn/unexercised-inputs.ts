/**
 * Inputs the training rows never exercise: a column that is 0 in every training row (a one-hot column of a
 * category seen only in validation rows, a column missing in every training row and filled with 0, a pixel
 * that is never lit). Its first-layer weights get no gradient, so they would keep their random initial
 * values, and a row that sets the input at prediction would meet weights nothing trained. Zeroed at a fresh
 * start, they stay 0 (their gradient is 0, and L2 and AdamW's decay keep 0 at 0), and such an input then
 * answers as an input that is absent, as scikit-learn's OneHotEncoder(handle_unknown='ignore') treats a
 * category its training rows lacked, and as its SimpleImputer drops a column with no value. A first layer that is
 * a residual block as wide as the inputs still adds them to its output through its identity skip: no weight
 * stands there to zero.
 */
import type { Dataset } from './dataset.js'
import type { Network } from './network.js'

/** The columns of `data.x` ([rows × inputs]) that are 0 in every row, in order. */
export function zeroColumns (data: Pick<Dataset, 'x' | 'rows' | 'inputs'>): number[] {
  const { x, rows, inputs } = data
  const live = new Uint8Array(inputs)
  let left = inputs
  for (let r = 0; r < rows && left > 0; r++) {
    const row = r * inputs
    for (let c = 0; c < inputs; c++) if (live[c] === 0 && x[row + c] !== 0) { live[c] = 1; left-- }
  }
  const dead: number[] = []
  for (let c = 0; c < inputs; c++) if (live[c] === 0) dead.push(c)
  return dead
}

/**
 * Zeroes the weights that read the network's input columns `columns`: the first hidden layer's Linear (and
 * its residual projection), or the output layer's when there is no hidden layer. Weights are [out × inputs],
 * torch.nn's layout.
 */
export function zeroInputWeights (net: Network, columns: readonly number[]): void {
  if (columns.length === 0) return
  const inputs = net.spec.inputs
  const first = net.spec.layers.length === 0 ? ['output.weight'] : ['layers.0.linear.weight', 'layers.0.projection.weight']
  for (const p of net.parameters) {
    if (!first.includes(p.name) || p.shape.length !== 2 || p.shape[1] !== inputs) continue
    const out = p.shape[0]
    for (let o = 0; o < out; o++) for (const c of columns) p.value[o * inputs + c] = 0
  }
}
