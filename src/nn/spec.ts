/**
 * The network definition: a plain type (imports nothing), its checks, and what follows from
 * it: layer shapes, the flat parameter layout and the parameter count. The zod schema for the
 * API lives in schemas/network.ts and is built from the name tuples exported here.
 */

export const ACTIVATIONS = ['sigmoid', 'tanh', 'relu', 'leaky_relu', 'abs', 'softplus', 'identity', 'step'] as const
export type ActivationName = (typeof ACTIVATIONS)[number]
/** `step` has a zero derivative almost everywhere: it serves inference of perceptron-style nets only. */
export const TRAINABLE_ACTIVATIONS = ACTIVATIONS.filter((a) => a !== 'step')

/** Output heads: identity + squared error, softmax + NLL, sigmoid + logistic loss. */
export const HEADS = ['identity', 'softmax', 'sigmoid'] as const
export type HeadName = (typeof HEADS)[number]

export const INITIALIZERS = ['glorot_uniform', 'glorot_normal', 'he_uniform', 'he_normal'] as const
export type InitializerName = (typeof INITIALIZERS)[number]

export interface LayerSpec {
  units: number
  activation: ActivationName
  /** Negative slope of leaky_relu (default 0.01). */
  alpha?: number
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

/** One dense layer in the flat parameter buffer: W (units × inputs, row-major) then b (units). */
export interface LayerLayout {
  readonly inputs: number
  readonly units: number
  readonly activation: ActivationName | HeadName
  readonly alpha: number
  readonly init: InitializerName
  readonly biasInit: number
  readonly wOffset: number
  readonly bOffset: number
  readonly isOutput: boolean
}

export interface LayerSummary { inputs: number, units: number, activation: ActivationName | HeadName, parameters: number }
export interface NetworkSummary { layers: LayerSummary[], parameterCount: number }

const RELU_FAMILY = new Set<string>(['relu', 'leaky_relu', 'abs'])

const isPositiveInt = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 1

/** Throws a RangeError that names the offending field; the API validates first, so reaching one is a bug upstream. */
export function checkSpec (spec: NetworkSpec): void {
  if (!isPositiveInt(spec.inputs)) throw new RangeError(`inputs must be a positive integer, got ${String(spec.inputs)}`)
  if (!Array.isArray(spec.layers)) throw new RangeError('layers must be an array')
  spec.layers.forEach((layer, i) => {
    if (!isPositiveInt(layer.units)) throw new RangeError(`layers[${i}].units must be a positive integer, got ${String(layer.units)}`)
    if (!(ACTIVATIONS as readonly string[]).includes(layer.activation)) {
      throw new RangeError(`layers[${i}].activation must be one of ${ACTIVATIONS.join(', ')}, got ${String(layer.activation)}`)
    }
    if (layer.alpha !== undefined && !Number.isFinite(layer.alpha)) throw new RangeError(`layers[${i}].alpha must be a finite number`)
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

export function layout (spec: NetworkSpec): LayerLayout[] {
  const out: LayerLayout[] = []
  let inputs = spec.inputs
  let offset = 0
  const all = [...spec.layers.map((l) => ({ ...l, isOutput: false })), { ...spec.output, alpha: undefined, isOutput: true }]
  for (const l of all) {
    const relu = RELU_FAMILY.has(l.activation)
    const wOffset = offset
    const bOffset = wOffset + l.units * inputs
    out.push({
      inputs,
      units: l.units,
      activation: l.activation,
      alpha: l.alpha ?? 0.01,
      init: l.init ?? (relu ? 'he_uniform' : 'glorot_uniform'),
      biasInit: l.biasInit ?? (relu ? 0.01 : 0),
      wOffset,
      bOffset,
      isOutput: l.isOutput
    })
    offset = bOffset + l.units
    inputs = l.units
  }
  return out
}

export function parameterCount (spec: NetworkSpec): number {
  const layers = layout(spec)
  const last = layers[layers.length - 1]
  return last.bOffset + last.units
}

export function describeNetwork (spec: NetworkSpec): NetworkSummary {
  const layers = layout(spec).map((l) => ({
    inputs: l.inputs, units: l.units, activation: l.activation, parameters: l.units * l.inputs + l.units
  }))
  return { layers, parameterCount: layers.reduce((s, l) => s + l.parameters, 0) }
}

/** 1 for each weight, 0 for each bias: L2 and decoupled weight decay touch weights only. */
export function weightMask (spec: NetworkSpec): Uint8Array {
  const mask = new Uint8Array(parameterCount(spec))
  for (const l of layout(spec)) mask.fill(1, l.wOffset, l.bOffset)
  return mask
}
