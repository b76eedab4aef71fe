/**
 * From the network definition to its layer records, block by block. A hidden layer is
 *   Linear → Norm → Activation → Dropout,   and with `residual`, a + that block(a).
 * Why this order: Ioffe & Szegedy (2015) normalise the pre-activations x = Wu + b, "immediately
 * before the nonlinearity", which is also where LayerNorm goes (Ba et al. 2016); maxout's pieces are
 * pre-activations too, so the norm covers all units·k of them. Dropout comes last, on the layer's
 * outputs, as in PyTorch and Keras practice (Sequential(Linear, BatchNorm1d, ReLU, Dropout)): the
 * next layer sees the dropped units, and the norm's statistics never see dropout noise (the variance
 * shift of Li et al. 2019). The residual adds the whole block to its input with nothing after the
 * sum, so the identity path stays clean, as in He et al.'s "Identity mappings" (2016).
 * The output layer is a Linear whose outputs (logits) the head reads.
 * The parameters then get their places in one flat buffer, in layer order and, within a layer, in
 * the order the layer declares them (Linear: weight, then bias). Imports only types from spec.ts,
 * which builds its layout and counts from here.
 */
import type { Vec } from '../vec.js'
import type { HeadName, HiddenActivationName, InitializerName, LayerSpec, NetworkSpec } from '../spec.js'
import type { Layer, LayerDef, Param, ParamDef } from './layer.js'
import { linear } from './linear.js'
import { activation } from './activation.js'
import { layerNorm } from './layer-norm.js'
import { batchNorm } from './batch-norm.js'
import { maxout } from './maxout.js'
import { dropout } from './dropout.js'
import { residual } from './residual.js'

/** One entry of the definition (a hidden layer or the output) with its defaults filled in, and its records. */
export interface Block {
  readonly inputs: number
  readonly units: number
  readonly activation: HiddenActivationName | HeadName
  readonly alpha: number
  readonly init: InitializerName
  readonly biasInit: number
  readonly isOutput: boolean
  readonly defs: readonly LayerDef[]
}

const RELU_FAMILY = new Set<string>(['relu', 'leaky_relu', 'abs'])

export function blocks (spec: NetworkSpec): Block[] {
  const out: Block[] = []
  let inputs = spec.inputs
  const all = [...spec.layers.map((l) => ({ ...l, isOutput: false })), { ...spec.output, alpha: undefined, isOutput: true }]
  for (const l of all) {
    const relu = RELU_FAMILY.has(l.activation)
    const resolved = {
      inputs,
      units: l.units,
      activation: l.activation,
      alpha: l.alpha ?? 0.01,
      init: l.init ?? (relu ? 'he_uniform' : 'glorot_uniform'),
      biasInit: l.biasInit ?? (relu ? 0.01 : 0),
      isOutput: l.isOutput
    }
    const defs = l.isOutput ? [named(linear(resolved), 'output')] : hidden(l as LayerSpec, resolved, out.length)
    out.push({ ...resolved, defs })
    inputs = l.units
  }
  return out
}

/**
 * The records of hidden layer i, in the order documented above; i also keys its dropout mask. Its
 * parameters are named as the state_dict of a torch module with submodules `linear`, `norm` and
 * `projection` under `layers.i` (the export's names; README has the PyTorch module).
 */
function hidden (l: LayerSpec, r: { inputs: number, units: number, alpha: number, init: InitializerName, biasInit: number }, i: number): LayerDef[] {
  const k = l.activation === 'maxout' ? (l.pieces ?? 2) : 1
  const defs = [named(linear({ ...r, units: r.units * k }), `layers.${i}.linear`)]
  if (l.norm === 'layer') defs.push(named(layerNorm(r.units * k), `layers.${i}.norm`))
  else if (l.norm === 'batch') defs.push(named(batchNorm(r.units * k), `layers.${i}.norm`))
  defs.push(l.activation === 'maxout' ? maxout(r.units, k) : activation(l.activation, r.units, r.alpha))
  if (l.dropout !== undefined && l.dropout > 0) defs.push(dropout(r.units, l.dropout, i))
  return l.residual === true ? [residual(defs, r.init, `layers.${i}.projection`)] : defs
}

/** The def with its parameters' names prefixed by the module path (`layers.0.linear` + `weight`). */
const named = (def: LayerDef, module: string): LayerDef => ({ ...def, params: def.params.map((p) => ({ ...p, name: `${module}.${p.name}` })) })

export const layerDefs = (spec: NetworkSpec): LayerDef[] => blocks(spec).flatMap((b) => b.defs)

export const sizeOf = (shape: readonly number[]): number => shape.reduce((n, d) => n * d, 1)

/** Values in the flat buffer: every parameter, batch norm's running statistics included. */
export const defsParameterCount = (defs: readonly LayerDef[]): number =>
  defs.reduce((n, d) => n + d.params.reduce((m, p) => m + sizeOf(p.shape), 0), 0)

/**
 * Learned parameters only, as PyTorch counts them (`sum(p.numel() for p in net.parameters())`):
 * buffers such as batch norm's running statistics are saved with the weights but learn nothing.
 */
export const defsTrainableCount = (defs: readonly LayerDef[]): number =>
  defs.reduce((n, d) => n + d.params.reduce((m, p) => m + (p.buffer === true ? 0 : sizeOf(p.shape)), 0), 0)

/** Every parameter of the defs with its place in the flat buffer, in buffer order. */
export function placements (defs: readonly LayerDef[]): Array<ParamDef & { size: number, offset: number }> {
  let offset = 0
  return defs.flatMap((d) => d.params.map((p) => {
    const size = sizeOf(p.shape)
    const placed = { ...p, size, offset }
    offset += size
    return placed
  }))
}

/** The records over `params` (which must hold defsParameterCount(defs) values). */
export function makeLayers (defs: readonly LayerDef[], params: Vec): Layer[] {
  const all = placements(defs)
  let at = 0
  return defs.map((d) => {
    const mine = all.slice(at, at + d.params.length).map((p): Param => ({ ...p, value: params.subarray(p.offset, p.offset + p.size) }))
    at += d.params.length
    return d.make(mine)
  })
}

/** 1 for each parameter that weight decay (L2, AdamW) applies to, 0 for the others (biases). */
export function decayMask (defs: readonly LayerDef[]): Uint8Array {
  const mask = new Uint8Array(defsParameterCount(defs))
  for (const p of placements(defs)) if (p.decay) mask.fill(1, p.offset, p.offset + p.size)
  return mask
}
