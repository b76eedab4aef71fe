/**
 * The output head as ONNX nodes and the graph's named outputs (skl2onnx's names):
 *   probabilities  float [N × K]  softmax: class probabilities, in the `classes` order; sigmoid: per unit
 *                                 P(unit = 1) (one unit on two classes: P(classes[1]))
 *   label          int64 [N]      softmax: the index of the largest probability (the first on ties);
 *                                 one sigmoid unit: 1 when P ≥ 0.5, else 0. An index into `classes`.
 *   variable       float [N × K]  identity (regression): values in the targets' units, the training's
 *                                 target scaling undone (x·scale + offset)
 * They are the outputs and labels POST /v1/models/{ref}/predict answers (api/prediction-output.ts).
 */
import type { Normalization } from '../data/normalize.js'
import { DECISION_THRESHOLD, headOf, type Head } from '../nn/heads.js'
import type { HeadName, NetworkSpec } from '../nn/spec.js'
import { FLOAT, INT64, tensorType, type OnnxGraph } from './graph.js'
import type { onnx } from 'onnx-proto'

export const OUTPUT_NAMES = { probabilities: 'probabilities', label: 'label', variable: 'variable' } as const

const output = (name: string, elemType: number, dims: ReadonlyArray<number | string>, docString: string): onnx.IValueInfoProto =>
  ({ name, type: tensorType(elemType, dims), docString })

/** The head's nodes after logits `[N × K]`, and the graph outputs they give. */
type HeadEmitter = (g: OnnxGraph, logits: string, K: number, head: Head, target: Normalization | undefined) => onnx.IValueInfoProto[]

/** Softmax over each row, then ArgMax. */
const emitSoftmax: HeadEmitter = (g, logits, K) => {
  const p = g.op('Softmax', [logits], { attributes: { axis: { int: -1 } }, output: g.reserve(OUTPUT_NAMES.probabilities) })
  g.op('ArgMax', [p], { attributes: { axis: { int: 1 }, keepdims: { int: 0 } }, output: g.reserve(OUTPUT_NAMES.label) })
  return [
    output(p, FLOAT, ['N', K], 'Class probabilities of each row (softmax), in the order of the metadata\'s classes'),
    output(OUTPUT_NAMES.label, INT64, ['N'], 'Index of the predicted class in the metadata\'s classes (the largest probability)')
  ]
}

/**
 * Sigmoid per unit; when the head reads its units as one class per row (one unit on two classes), also
 * the label index by the head's decision threshold (P ≥ 0.5).
 */
const emitSigmoid: HeadEmitter = (g, logits, K, head) => {
  const p = g.op('Sigmoid', [logits], { output: g.reserve(OUTPUT_NAMES.probabilities) })
  const oneClass = head.task(K) === 'classification'
  const outputs = [output(p, FLOAT, ['N', K], oneClass ? 'P(classes[1]) of each row (sigmoid)' : 'Per unit, the probability that it is 1 (sigmoid)')]
  if (!oneClass) return outputs
  const positive = g.op('Cast', [g.op('GreaterOrEqual', [p, g.floats('threshold', [], [DECISION_THRESHOLD])])], { attributes: { to: { int: INT64 } } })
  g.op('Squeeze', [positive, g.int64s('unit_axis', [1], [1])], { output: g.reserve(OUTPUT_NAMES.label) })
  return [...outputs, output(OUTPUT_NAMES.label, INT64, ['N'], 'Index of the predicted class in the metadata\'s classes: 1 when P(classes[1]) ≥ 0.5, else 0')]
}

/** Regression: the targets' scaling undone, y = y'·scale + offset (data/normalize.ts denormalizeRows). */
const emitIdentity: HeadEmitter = (g, logits, K, _head, target) => {
  const name = g.reserve(OUTPUT_NAMES.variable)
  if (target) {
    const scaled = g.op('Mul', [logits, g.floats('target_scale', [K], target.scale)])
    g.op('Add', [scaled, g.floats('target_offset', [K], target.offset)], { output: name })
  } else {
    g.op('Identity', [logits], { output: name })
  }
  return [output(name, FLOAT, ['N', K], 'Predicted values of each row, in the targets\' units (the order of the metadata\'s target_names)')]
}

/** One emitter per head record of nn/heads.ts. */
const HEADS: Record<HeadName, HeadEmitter> = { softmax: emitSoftmax, sigmoid: emitSigmoid, identity: emitIdentity }

/** The head's nodes after the output layer's logits `[N × K]`; returns the graph's outputs. */
export function emitHead (g: OnnxGraph, logits: string, spec: NetworkSpec, targetNormalization: Normalization | undefined): onnx.IValueInfoProto[] {
  const head = headOf(spec)
  return HEADS[head.name](g, logits, spec.output.units, head, targetNormalization)
}
