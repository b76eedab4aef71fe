/**
 * The network's layers as ONNX nodes, driven by the layer records of nn/layers/: one emitter per
 * record kind, each computing at inference what the record's forward computes with the INFERENCE pass.
 * Initializers are the records' parameters under their own names, the torch.nn state_dict names of the
 * JSON export v2 (`layers.0.linear.weight`, `layers.0.norm.running_mean`, `layers.1.projection.weight`,
 * `output.bias`), with their stored shapes and values. The output layer's non-linearity is the head's
 * (head.ts), not emitted here.
 *
 *   linear       Gemm(x, weight [out, in], bias, transB = 1): x·Wᵀ + b, as torch.nn.Linear
 *   activations  one operator each (ACTIVATIONS below); leaky_relu's alpha is its block's
 *   layer_norm   LayerNormalization(x, weight, bias, axis = −1, epsilon = 1e-5) (opset 17; torch.nn.LayerNorm)
 *   batch_norm   BatchNormalization(x, weight, bias, running_mean, running_var, epsilon = 1e-5),
 *                inference mode (training_mode = 0: the running statistics; BatchNorm1d.eval())
 *   maxout       the Linear's units·k outputs are unit-major (unit j's pieces contiguous):
 *                Reshape [−1, units, k] → ReduceMax(axes = [2], keepdims = 0) (ties give the same value)
 *   dropout      nothing: inverted dropout is the identity at inference
 *   residual     the inner records on x giving f, then Add(x, f), or with projection.weight P [units, inputs]
 *                Add(Gemm(x, P, transB = 1) with no bias, f) (He et al. 2016's W_s)
 */
import type { Layer } from '../nn/layers/layer.js'
import { LAYER_NORM_EPS } from '../nn/layers/layer-norm.js'
import { BATCH_NORM_EPS } from '../nn/layers/batch-norm.js'
import { blocks } from '../nn/layers/build.js'
import { createNetwork } from '../nn/network.js'
import type { ActivationName, NetworkSpec } from '../nn/spec.js'
import { UNPROCESSABLE } from '../errors.js'
import { FLOAT, type OnnxGraph } from './graph.js'

/** What an emitter knows besides its record: its block's leaky_relu slope, and how to emit inner records. */
interface Context {
  readonly alpha: number
  readonly emit: (g: OnnxGraph, x: string, layer: Layer) => string
}

/** Appends the nodes of one record applied to value `x` `[N × layer.inputs]`; returns its output `[N × layer.units]`. */
type Emitter = (g: OnnxGraph, x: string, layer: Layer, ctx: Context) => string

/** The record's parameters as initializers under their state_dict names, in the order the record declares them. */
const initializers = (g: OnnxGraph, layer: Layer): string[] => layer.params.map((p) => g.floats(p.name, p.shape, p.value))

const unary = (opType: string): Emitter => (g, x) => g.op(opType, [x])

/** Each hidden activation of nn/activations.ts as the ONNX operator that computes the same function. */
const ACTIVATIONS: Record<ActivationName, Emitter> = {
  identity: (_g, x) => x,
  sigmoid: unary('Sigmoid'),
  tanh: unary('Tanh'),
  relu: unary('Relu'),
  // alpha is the block's negative slope (default 0.01, PyTorch's and ONNX's)
  leaky_relu: (g, x, _layer, { alpha }) => g.op('LeakyRelu', [x], { attributes: { alpha: { float: alpha } } }),
  abs: unary('Abs'),
  softplus: unary('Softplus'),
  // ONNX has no Heaviside operator; z ≥ 0 as 0/1 is the same function (NaN ≥ 0 is false: 0, as in nn/)
  step: (g, x) => g.op('Cast', [g.op('GreaterOrEqual', [x, g.floats('zero', [], [0])])], { attributes: { to: { int: FLOAT } } })
}

type LayerKind = ActivationName | 'linear' | 'layer_norm' | 'batch_norm' | 'maxout' | 'dropout' | 'residual'

const EMITTERS: Record<LayerKind, Emitter> = {
  ...ACTIVATIONS,
  linear: (g, x, layer) => g.op('Gemm', [x, ...initializers(g, layer)], { attributes: { transB: { int: 1 } } }),
  layer_norm: (g, x, layer) =>
    g.op('LayerNormalization', [x, ...initializers(g, layer)], { attributes: { axis: { int: -1 }, epsilon: { float: LAYER_NORM_EPS } } }),
  // inputs in the record's order: weight (scale), bias (B), running_mean (input_mean), running_var (input_var)
  batch_norm: (g, x, layer) =>
    g.op('BatchNormalization', [x, ...initializers(g, layer)], { attributes: { epsilon: { float: BATCH_NORM_EPS }, training_mode: { int: 0 } } }),
  maxout: (g, x, layer) => {
    const k = layer.inputs / layer.units
    const pieces = g.op('Reshape', [x, g.int64s('maxout_shape', [3], [-1, layer.units, k])])
    return g.op('ReduceMax', [pieces], { attributes: { axes: { ints: [2] }, keepdims: { int: 0 } } })
  },
  dropout: (_g, x) => x,
  residual: (g, x, layer, { emit }) => {
    const f = layer.inner.reduce((v, inner) => emit(g, v, inner), x)
    // the projection is the residual's own parameter, after its inner records' ones
    const own = layer.params.slice(layer.inner.reduce((n, inner) => n + inner.params.length, 0))
    const shortcut = own.length === 0 ? x : g.op('Gemm', [x, g.floats(own[0].name, own[0].shape, own[0].value)], { attributes: { transB: { int: 1 } } })
    return g.op('Add', [shortcut, f])
  }
}

const isLayerKind = (kind: string): kind is LayerKind => Object.hasOwn(EMITTERS, kind)

/**
 * Every layer from the network's input `x` `[N × inputs]` to the output layer's logits `[N × outputs]`
 * (before the head). `params` is the stored flat parameter buffer of `spec`.
 * Throws UNPROCESSABLE (422) naming the layer when a record kind has no ONNX emitter.
 */
export function emitLayers (g: OnnxGraph, x: string, spec: NetworkSpec, params: Float32Array): string {
  const { layers } = createNetwork(spec, { params })
  let v = x
  let at = 0
  blocks(spec).forEach((block, i) => {
    const where = block.isOutput ? 'the output layer' : `hidden layer ${i}`
    const emit = (g: OnnxGraph, input: string, layer: Layer): string => {
      if (!isLayerKind(layer.kind)) throw new UNPROCESSABLE(`${where} has a '${layer.kind}' record, which the ONNX export cannot express`)
      return EMITTERS[layer.kind](g, input, layer, { alpha: block.alpha, emit })
    }
    // a block's records are consecutive, one per def (network.ts builds them from the same defs)
    for (const layer of layers.slice(at, at + block.defs.length)) v = emit(g, v, layer)
    at += block.defs.length
  })
  return v
}
