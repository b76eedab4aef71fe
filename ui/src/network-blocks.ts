/**
 * A network definition as the blocks the server builds from it (src/nn/layers/build.ts): a hidden
 * layer is Linear → Norm → Activation → Dropout, and with `residual` its input is added back, through
 * a learned projection when the widths differ; the output is a Linear read by the head. Each part
 * carries its parameters with the export's (torch.nn) names and shapes, so the console can draw
 * them and count them. The browser test holds the count to the server's parameterCount.
 */
import type { LayerSpec, NetworkSpec } from './types.js'

export interface Param { readonly name: string, readonly shape: readonly number[], readonly buffer?: boolean }
export interface Part { readonly kind: string, readonly label: string, readonly params: readonly Param[] }
export interface BlockView {
  readonly title: string
  readonly inputs: number
  readonly units: number
  readonly parts: readonly Part[]
  /** the block's learned parameters, as PyTorch counts net.parameters() and the server's parameterCount (batch norm's running statistics are buffers: not counted) */
  readonly parameters: number
}

const size = (shape: readonly number[]): number => shape.reduce((n, d) => n * d, 1)
export const countOf = (parts: readonly Part[]): number => parts.reduce((n, p) => n + p.params.reduce((m, q) => m + (q.buffer === true ? 0 : size(q.shape)), 0), 0)

/** maxout's pieces per unit (default 2); 1 for an element-wise activation. */
export const piecesOf = (l: LayerSpec): number => (l.activation === 'maxout' ? (l.pieces ?? 2) : 1)

function hiddenParts (l: LayerSpec, inputs: number, i: number): Part[] {
  const k = piecesOf(l)
  const n = l.units * k
  const at = `layers.${i}`
  const parts: Part[] = [{
    kind: 'linear',
    label: k > 1 ? `Linear W ${n}×${inputs}, b ${n} (${k} weight vectors per unit)` : `Linear W ${n}×${inputs}, b ${n}`,
    params: [{ name: `${at}.linear.weight`, shape: [n, inputs] }, { name: `${at}.linear.bias`, shape: [n] }]
  }]
  if (l.norm === 'layer') parts.push({ kind: 'norm', label: `LayerNorm γ ${n}, β ${n}`, params: [{ name: `${at}.norm.weight`, shape: [n] }, { name: `${at}.norm.bias`, shape: [n] }] })
  if (l.norm === 'batch') {
    parts.push({
      kind: 'norm',
      label: `BatchNorm1d γ ${n}, β ${n} (running mean and variance ${n}: buffers)`,
      params: [{ name: `${at}.norm.weight`, shape: [n] }, { name: `${at}.norm.bias`, shape: [n] },
        { name: `${at}.norm.running_mean`, shape: [n], buffer: true }, { name: `${at}.norm.running_var`, shape: [n], buffer: true }]
    })
  }
  parts.push({ kind: 'activation', label: k > 1 ? `maxout: the largest of ${k} pieces per unit` : l.activation, params: [] })
  if (l.dropout !== undefined && l.dropout > 0) parts.push({ kind: 'dropout', label: `Dropout p = ${l.dropout}`, params: [] })
  if (l.residual === true) {
    parts.push(inputs === l.units
      ? { kind: 'residual', label: '+ input (identity shortcut)', params: [] }
      : { kind: 'residual', label: `+ input through projection P ${l.units}×${inputs}`, params: [{ name: `${at}.projection.weight`, shape: [l.units, inputs] }] })
  }
  return parts
}

export function networkBlocks (spec: NetworkSpec): BlockView[] {
  let inputs = spec.inputs
  const hidden = spec.layers.map((l, i): BlockView => {
    const parts = hiddenParts(l, inputs, i)
    const block = { title: `Layer ${i + 1}`, inputs, units: l.units, parts, parameters: countOf(parts) }
    inputs = l.units
    return block
  })
  const o = spec.output
  const out: Part[] = [
    { kind: 'linear', label: `Linear W ${o.units}×${inputs}, b ${o.units}`, params: [{ name: 'output.weight', shape: [o.units, inputs] }, { name: 'output.bias', shape: [o.units] }] },
    { kind: 'activation', label: o.activation, params: [] }
  ]
  return [...hidden, { title: 'Output', inputs, units: o.units, parts: out, parameters: countOf(out) }]
}

/** One hidden layer in a line: "16 relu", "8 maxout ×3 · batch norm · dropout 0.2 · residual". */
export function layerSummary (l: LayerSpec): string {
  const k = piecesOf(l)
  return [`${l.units} ${l.activation}${k > 1 ? ` ×${k}` : ''}`,
    l.norm ? `${l.norm} norm` : '',
    l.dropout ? `dropout ${l.dropout}` : '',
    l.residual ? 'residual' : ''].filter((s) => s !== '').join(' · ')
}
