/**
 * The network's layers as ONNX nodes: one emitter per layer kind (today: dense) and one per hidden
 * activation. Weights have torch.nn state_dict names, hidden layer i being a module whose Linear is
 * `layers.i.linear` (`layers.0.linear.weight`, …, `output.bias`: the names of the layers branch's JSON
 * export, version 2), and their stored layout, W `[units × inputs]` row-major, which is Gemm's B with
 * transB = 1 (y = x·Wᵀ + b, as torch.nn.Linear). The output layer's non-linearity is the head's (head.ts), not emitted here.
 *
 * A new layer kind adds an emitter here, one per record kind of nn/layers/ (branch `layers`):
 *   linear      Gemm(x, weight, bias, transB = 1), as emitDense
 *   activation  ACTIVATIONS[kind] below (leaky_relu needs the block's alpha: the record does not carry it)
 *   layer_norm  LayerNormalization(x, layers.i.norm.weight, .bias, axis = −1, epsilon = 1e-5) (opset 17)
 *   batch_norm  BatchNormalization(x, layers.i.norm.weight, .bias, .running_mean, .running_var,
 *               epsilon = 1e-5) in inference mode (training_mode = 0: the running statistics)
 *   maxout      the Linear's units·k outputs are unit-major (unit j's pieces contiguous):
 *               Reshape [−1, units, k] → ReduceMax(axes = [2], keepdims = 0)
 *   dropout     nothing (inverted dropout is the identity at inference)
 *   residual    the inner records on x, then Add(x, f) or, with layers.i.projection.weight P [units, inputs],
 *               Add(Gemm(x, P, transB = 1) with no bias, f)
 */
import { createNetwork } from '../nn/network.js'
import type { ActivationName, LayerLayout, NetworkSpec } from '../nn/spec.js'
import { FLOAT, type OnnxGraph } from './graph.js'

type ActivationEmitter = (g: OnnxGraph, z: string, layer: LayerLayout) => string

const unary = (opType: string): ActivationEmitter => (g, z) => g.op(opType, [z])

/** Each hidden activation of nn/activations.ts as the ONNX operator that computes the same function. */
const ACTIVATIONS: Record<ActivationName, ActivationEmitter> = {
  identity: (_g, z) => z,
  sigmoid: unary('Sigmoid'),
  tanh: unary('Tanh'),
  relu: unary('Relu'),
  // alpha is the layer's negative slope (default 0.01, PyTorch's and ONNX's)
  leaky_relu: (g, z, layer) => g.op('LeakyRelu', [z], { attributes: { alpha: { float: layer.alpha } } }),
  abs: unary('Abs'),
  softplus: unary('Softplus'),
  // ONNX has no Heaviside operator; z ≥ 0 as 0/1 is the same function (NaN ≥ 0 is false: 0, as in nn/)
  step: (g, z) => g.op('Cast', [g.op('GreaterOrEqual', [z, g.floats('zero', [], [0])])], { attributes: { to: { int: FLOAT } } })
}

/** torch.nn.Linear: z = x·Wᵀ + b, one Gemm. */
function emitDense (g: OnnxGraph, x: string, prefix: string, layer: LayerLayout, w: ArrayLike<number>, b: ArrayLike<number>): string {
  const weight = g.floats(`${prefix}.weight`, [layer.units, layer.inputs], w)
  const bias = g.floats(`${prefix}.bias`, [layer.units], b)
  return g.op('Gemm', [x, weight, bias], { attributes: { transB: { int: 1 } } })
}

/**
 * Every layer from the network's input `x` `[N × inputs]` to the output layer's logits `[N × outputs]`
 * (before the head). `params` is the stored flat parameter buffer of `spec`.
 */
export function emitLayers (g: OnnxGraph, x: string, spec: NetworkSpec, params: Float32Array): string {
  const net = createNetwork(spec, { params })
  let v = x
  net.layers.forEach((layer, l) => {
    const prefix = layer.isOutput ? 'output' : `layers.${l}.linear`
    const z = emitDense(g, v, prefix, layer, net.w[l], net.b[l])
    v = layer.isOutput ? z : ACTIVATIONS[layer.activation as ActivationName](g, z, layer)
  })
  return v
}
