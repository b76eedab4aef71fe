/**
 * A stored model as one ONNX model (ONNX IR version 8, opset 17 of the default domain ai.onnx): the
 * whole path predict takes, so that any ONNX runtime answers what POST /v1/models/{ref}/predict answers.
 *
 *   input [N × columns] float ─ imputer ─ one-hot ─ normalisation ─ layers ─ head ─┬ probabilities, label  (classifiers)
 *                                  (input-pipeline.ts)           (layers.ts) (head.ts) └ variable             (regression)
 *
 * The bytes are onnx.proto's ModelProto encoded by protobufjs (onnx-proto); metadata.ts documents the
 * metadata_props. Pure: no I/O.
 */
import { rawColumnsOf, type Preprocessing } from '../data/model-inputs.js'
import type { Normalization } from '../data/normalize.js'
import type { NetworkSpec } from '../nn/spec.js'
import { FLOAT, OnnxGraph, proto, tensorType } from './graph.js'
import { emitHead } from './head.js'
import { emitInputPipeline } from './input-pipeline.js'
import { emitLayers } from './layers.js'
import { inputDoc, metadataProps, type ModelIdentity } from './metadata.js'

/** Opset 17 (ONNX 1.12): every operator used here, and LayerNormalization for the layer kinds to come. */
export const ONNX_OPSET = 17
/** The IR version that opset 17 was released with (onnx.checker refuses a newer opset on an older IR). */
export const ONNX_IR_VERSION = 8
export const INPUT_NAME = 'input'
export const ONNX_MEDIA_TYPE = 'application/octet-stream'

/** What the export reads of a stored model (store/models.ts StoredModel): network, weights, and what predict needs besides. */
export interface ExportableModel {
  readonly spec: NetworkSpec
  readonly params: Float32Array
  readonly meta: ModelIdentity & {
    readonly preprocessing?: Preprocessing
    readonly normalization?: Normalization
    readonly targetNormalization?: Normalization
    readonly featureNames?: readonly string[]
  }
}

/** The stored preprocessing, or numeric columns under the model's feature names (data/model-inputs.ts rawColumnsOf). */
const inputColumns = (model: ExportableModel): Preprocessing => rawColumnsOf(model.spec.inputs, model.meta)

/** The ONNX ModelProto of a stored model, encoded. */
export function exportOnnx (model: ExportableModel): Uint8Array {
  const { spec, params, meta } = model
  const pre = inputColumns(model)
  const g = new OnnxGraph()
  const input = g.reserve(INPUT_NAME)
  const x = emitInputPipeline(g, input, pre, meta.normalization)
  const logits = emitLayers(g, x, spec, params)
  const outputs = emitHead(g, logits, spec, meta.targetNormalization)
  const message = proto.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'backprop',
    modelVersion: meta.version,
    docString: `Model '${meta.name}' version ${meta.version} (${meta.id}): a feed-forward network with its input pipeline and output head.`,
    graph: {
      name: meta.name,
      node: g.nodes,
      initializer: g.initializers,
      input: [{ name: input, type: tensorType(FLOAT, ['N', pre.columns.length]), docString: inputDoc(pre) }],
      output: outputs
    },
    metadataProps: metadataProps(meta, pre)
  })
  return proto.ModelProto.encode(message).finish()
}
