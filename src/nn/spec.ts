/**
 * The network definition: a plain type, its checks, and what follows from
 * it: layer shapes, the flat parameter layout and the parameter count. The zod schema for the
 * API lives in schemas/network.ts and is built from the name tuples exported here.
 */
import { blocks, decayMask, defsParameterCount, defsTrainableCount, layerDefs, type Block } from './layers/build.js'

export const ACTIVATIONS = ['sigmoid', 'tanh', 'relu', 'leaky_relu', 'abs', 'softplus', 'identity', 'step'] as const
export type ActivationName = (typeof ACTIVATIONS)[number]
/** `step` has a zero derivative almost everywhere: it serves inference of perceptron-style nets only. */
export const TRAINABLE_ACTIVATIONS = ACTIVATIONS.filter((a) => a !== 'step')

/** Output heads: identity + squared error, softmax + NLL, sigmoid + logistic loss. */
export const HEADS = ['identity', 'softmax', 'sigmoid'] as const
export type HeadName = (typeof HEADS)[number]

/**
 * What a hidden layer may use: an element-wise activation, or maxout (Goodfellow et al. 2013), whose
 * unit is the largest of `pieces` linear pieces; the name is theirs, and `pieces` is pylearn2's
 * `num_pieces` (the paper's k).
 */
export const HIDDEN_ACTIVATIONS = [...ACTIVATIONS, 'maxout'] as const
export type HiddenActivationName = (typeof HIDDEN_ACTIVATIONS)[number]

/** Normalisation of a hidden layer's pre-activations: BatchNorm1d or LayerNorm, as torch.nn names them. */
export const NORMS = ['batch', 'layer'] as const
export type NormName = (typeof NORMS)[number]

export const INITIALIZERS = ['glorot_uniform', 'glorot_normal', 'he_uniform', 'he_normal'] as const
export type InitializerName = (typeof INITIALIZERS)[number]

/**
 * A hidden layer, applied in the order Linear → Norm → Activation → Dropout, and with `residual`
 * as a + block(a). See layers/build.ts for why this order.
 */
export interface LayerSpec {
  units: number
  activation: HiddenActivationName
  /** Negative slope of leaky_relu (default 0.01). */
  alpha?: number
  /** maxout only: linear pieces per unit, k ≥ 2 (default 2) */
  pieces?: number
  /** normalise the Linear's outputs: 'batch' (BatchNorm1d) or 'layer' (LayerNorm) */
  norm?: NormName
  /** dropout rate p in [0, 1): the share of units zeroed in training (0: none) */
  dropout?: number
  /** a + block(a) (He et al. 2016); a learned projection of a when the widths differ */
  residual?: boolean
  /** Weight initialiser; default he_uniform for relu-family layers, glorot_uniform otherwise. */
  init?: InitializerName
  /** Constant bias at initialisation; default 0.01 for relu-family layers (keeps units alive), 0 otherwise. */
  biasInit?: number
}

export interface OutputSpec {
  units: number
  activation: HeadName
  init?: InitializerName
  biasInit?: number
}

export interface NetworkSpec {
  inputs: number
  layers: LayerSpec[]
  output: OutputSpec
  /** L2 penalty λ/2·‖W‖² on weights (not biases). */
  l2?: number
}

/** A block of the definition (defaults filled in) and where its Linear's W (units × inputs, row-major) and b sit in the flat buffer. */
export interface LayerLayout extends Omit<Block, 'defs'> {
  readonly wOffset: number
  readonly bOffset: number
}

/** A layer as the network describes it: its shape, and the blocks a hidden layer sets (each only when set). */
export interface LayerSummary {
  inputs: number, units: number, activation: HiddenActivationName | HeadName, parameters: number
  alpha?: number, pieces?: number, norm?: NormName, dropout?: number, residual?: boolean
}
export interface NetworkSummary { layers: LayerSummary[], parameterCount: number }

const isPositiveInt = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 1

/** Throws a RangeError that names the offending field; the API validates first, so reaching one is a bug upstream. */
export function checkSpec (spec: NetworkSpec): void {
  if (!isPositiveInt(spec.inputs)) throw new RangeError(`inputs must be a positive integer, got ${String(spec.inputs)}`)
  if (!Array.isArray(spec.layers)) throw new RangeError('layers must be an array')
  spec.layers.forEach((layer, i) => {
    if (!isPositiveInt(layer.units)) throw new RangeError(`layers[${i}].units must be a positive integer, got ${String(layer.units)}`)
    if (!(HIDDEN_ACTIVATIONS as readonly string[]).includes(layer.activation)) {
      throw new RangeError(`layers[${i}].activation must be one of ${HIDDEN_ACTIVATIONS.join(', ')}, got ${String(layer.activation)}`)
    }
    if (layer.alpha !== undefined && !Number.isFinite(layer.alpha)) throw new RangeError(`layers[${i}].alpha must be a finite number`)
    if (layer.pieces !== undefined && !(layer.activation === 'maxout' && Number.isInteger(layer.pieces) && layer.pieces >= 2)) {
      throw new RangeError(`layers[${i}].pieces must be an integer ≥ 2, and goes with activation 'maxout' only`)
    }
    if (layer.norm !== undefined && !(NORMS as readonly string[]).includes(layer.norm)) throw new RangeError(`layers[${i}].norm must be one of ${NORMS.join(', ')}, got ${String(layer.norm)}`)
    if (layer.dropout !== undefined && !(typeof layer.dropout === 'number' && layer.dropout >= 0 && layer.dropout < 1)) {
      throw new RangeError(`layers[${i}].dropout must be a rate in [0, 1), got ${String(layer.dropout)}`)
    }
    if (layer.residual !== undefined && typeof layer.residual !== 'boolean') throw new RangeError(`layers[${i}].residual must be true or false`)
  })
  if (!isPositiveInt(spec.output?.units)) throw new RangeError(`output.units must be a positive integer, got ${String(spec.output?.units)}`)
  if (!(HEADS as readonly string[]).includes(spec.output.activation)) {
    throw new RangeError(`output.activation must be one of ${HEADS.join(', ')}, got ${String(spec.output.activation)}`)
  }
  if (spec.output.activation === 'softmax' && spec.output.units < 2) {
    throw new RangeError('a softmax output needs at least 2 units; use one sigmoid unit for a binary target')
  }
  if (spec.l2 !== undefined && !(Number.isFinite(spec.l2) && spec.l2 >= 0)) throw new RangeError(`l2 must be a finite number ≥ 0, got ${spec.l2}`)
}

/** Training needs a gradient: a `step` layer is for inference only. */
export function checkTrainable (spec: NetworkSpec): void {
  const i = spec.layers.findIndex((l) => l.activation === 'step')
  if (i >= 0) throw new RangeError(`layers[${i}].activation is 'step', which has no useful gradient and cannot be trained; use sigmoid or relu`)
}

/** Where each block's Linear weight and bias sit in the flat buffer (the v1 export's W and b). */
export function layout (spec: NetworkSpec): LayerLayout[] {
  const out: LayerLayout[] = []
  let offset = 0
  for (const { defs, ...block } of blocks(spec)) {
    const wOffset = offset
    out.push({ ...block, wOffset, bOffset: wOffset + block.units * block.inputs })
    offset += defsParameterCount(defs)
  }
  return out
}

/** Values in the flat parameter buffer (its length), batch norm's running statistics included. */
export const parameterCount = (spec: NetworkSpec): number => defsParameterCount(layerDefs(spec))

/** Learned parameters, as PyTorch's `net.parameters()` counts them: without batch norm's running statistics. */
export const trainableParameterCount = (spec: NetworkSpec): number => defsTrainableCount(layerDefs(spec))

/** Each block's shape and learned parameters (trainableParameterCount's), for the API's summaries. */
export function describeNetwork (spec: NetworkSpec): NetworkSummary {
  const layers = blocks(spec).map((b, i): LayerSummary => {
    const { pieces, norm, dropout, residual } = spec.layers[i] ?? {}
    return {
      inputs: b.inputs, units: b.units, activation: b.activation, parameters: defsTrainableCount(b.defs),
      ...(b.activation === 'leaky_relu' ? { alpha: b.alpha } : {}),
      ...(b.activation === 'maxout' ? { pieces: pieces ?? 2 } : {}),
      ...(norm !== undefined ? { norm } : {}),
      ...((dropout ?? 0) > 0 ? { dropout } : {}),
      ...(residual === true ? { residual } : {})
    }
  })
  return { layers, parameterCount: layers.reduce((s, l) => s + l.parameters, 0) }
}

/** 1 for each weight, 0 for each bias: L2 and decoupled weight decay touch weights only. */
export const weightMask = (spec: NetworkSpec): Uint8Array => decayMask(layerDefs(spec))
