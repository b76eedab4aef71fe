/**
 * TensorFlow Serving's REST API (tensorflow.org/tfx/serving/api_rest): the predict request in its row
 * form (`instances`) and columnar form (`inputs`), its answers, and the model status. A model here has
 * one input (its feature columns) and one output, so a row is one instance and the answer per row is
 * the output vector (class probabilities, or values in the targets' units), as a one-output TF model's.
 */
import { z } from 'zod'
import './messages.js'
import { MAX_PREDICT_ROWS, ModelResponse } from './model.js'

/** Standard base64 (RFC 4648 §4), its padding optional (absl's Base64Unescape, which TF Serving calls, takes it either way). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/
const utf8 = new TextDecoder('utf-8', { fatal: true })

/** `{"b64": "…"}`, the decoded text, or undefined when it is not base64 of UTF-8 text. */
function b64Text (b64: string): string | undefined {
  if (!BASE64.test(b64)) return undefined
  try { return utf8.decode(Buffer.from(b64, 'base64')) } catch { return undefined }
}

/**
 * TF Serving's form of a binary value, `{"b64": "…"}` (api_rest, "Encoding binary values"): a DT_STRING
 * input's value base64-encoded, as clients that encode every string send it. Read as the UTF-8 text it
 * encodes (a category name); its length is checked as a string cell's.
 */
const B64_MAX_LENGTH = 200
const B64Cell = z.object({ b64: z.string().max(4 * Math.ceil((4 * B64_MAX_LENGTH) / 3)) }).strict().transform((v, ctx) => {
  const text = b64Text(v.b64)
  if (text === undefined) {
    ctx.addIssue({ code: 'custom', path: ['b64'], message: 'must be standard base64 (A–Z, a–z, 0–9, + and /, padding = optional) of UTF-8 text, a category name' })
    return z.NEVER
  }
  if (text.length > B64_MAX_LENGTH) {
    ctx.addIssue({ code: 'custom', path: ['b64'], message: `decodes to ${text.length} characters; a category name has at most ${B64_MAX_LENGTH}` })
    return z.NEVER
  }
  return text
})
const Cell = z.union([z.number(), z.string().max(B64_MAX_LENGTH), z.null(), B64Cell])
const Row = z.array(Cell)

/**
 * The signature's one input by its name, `input` (as the metadata lists it for a model of numeric
 * columns): TF Serving's named forms, {"input": […]} per instance and {"input": [[…], …]} in the columnar form.
 */
export const TFS_INPUT = 'input'
const NamedInstance = z.object({ [TFS_INPUT]: Row }).strict()
const NamedColumns = z.object({ [TFS_INPUT]: z.array(Row).min(1).max(MAX_PREDICT_ROWS) }).strict()

export const TfsPredictRequest = z.object({
  // TF Serving reads an empty name as the default signature, and its metadata's model_spec names it so (signature_name "")
  signature_name: z.enum(['serving_default', '']).optional().describe('The only signature: serving_default ("" names it too, as in TF Serving)'),
  instances: z.array(z.union([Row, z.record(z.string(), Cell), NamedInstance])).min(1).max(MAX_PREDICT_ROWS).optional()
    .describe('Row form: one instance per row, a list of feature values in order, a record keyed by feature name, or {"input": [values]} (the signature\'s one input by name)'),
  inputs: z.union([
    z.array(Row).min(1).max(MAX_PREDICT_ROWS),
    z.record(z.string(), z.array(Cell).min(1).max(MAX_PREDICT_ROWS)),
    NamedColumns
  ]).optional().describe('Columnar form: the rows of the one input, {"input": [rows]} (the same, by the input\'s name), or one list of values per feature name')
}).strict().superRefine((body, ctx) => {
  if ((body.inputs === undefined) === (body.instances === undefined)) {
    ctx.addIssue({ code: 'custom', path: [], message: 'send exactly one of instances (row form) or inputs (columnar form)' })
  }
}).meta({ id: 'TfsPredictRequest' })

export type TfsPredictRequestBody = z.output<typeof TfsPredictRequest>

export const TfsPredictResponse = z.object({
  predictions: z.array(z.array(z.number())).optional().describe('Row form: per instance, the output vector'),
  outputs: z.array(z.array(z.number())).optional().describe('Columnar form: the output tensor [rows, units]')
}).meta({ id: 'TfsPredictResponse' })

export const ModelVersionStatus = z.object({
  version: z.string(),
  state: z.enum(['START', 'LOADING', 'AVAILABLE', 'UNLOADING', 'END']),
  status: z.object({ error_code: z.string(), error_message: z.string() })
}).meta({ id: 'ModelVersionStatus' })

/**
 * The native model answer with TF Serving's `model_version_status` beside it: the version served, as a
 * TF Serving model with the default `latest` version policy lists the one version it has loaded.
 */
export const ModelStatusResponse = ModelResponse.extend({
  model_version_status: z.array(ModelVersionStatus).describe('TensorFlow Serving\'s model status: the version this answer describes, AVAILABLE')
}).meta({ id: 'ModelStatusResponse' })

export type ModelVersionStatusBody = z.infer<typeof ModelVersionStatus>

/** TF Serving's status of a stored (hence servable) model version. */
export const availableStatus = (version: number): ModelVersionStatusBody[] =>
  [{ version: String(version), state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } }]

/** A TensorFlow TensorInfo as protobuf's JSON mapping writes it: int64 sizes as strings. */
export const TfsTensorInfo = z.object({
  dtype: z.enum(['DT_FLOAT', 'DT_STRING']),
  tensor_shape: z.object({
    dim: z.array(z.object({ size: z.string().describe('-1 for the rows (any size)'), name: z.string() })),
    unknown_rank: z.boolean()
  }),
  name: z.string()
}).meta({ id: 'TfsTensorInfo' })

export type TfsTensorInfoBody = z.infer<typeof TfsTensorInfo>

/** TensorFlow Serving's model metadata: the model spec and its one signature, serving_default. */
export const TfsModelMetadataResponse = z.object({
  model_spec: z.object({ name: z.string(), signature_name: z.string(), version: z.string() }),
  metadata: z.object({
    signature_def: z.object({
      signature_def: z.object({
        serving_default: z.object({
          inputs: z.record(z.string(), TfsTensorInfo).describe('One input [-1, features], or one per feature column [-1] for a model with categorical columns (DT_STRING)'),
          outputs: z.record(z.string(), TfsTensorInfo).describe('output [-1, units]: class probabilities, or values in the targets\' units'),
          method_name: z.string()
        })
      })
    })
  })
}).meta({ id: 'TfsModelMetadataResponse' })

export type TfsModelMetadataBody = z.infer<typeof TfsModelMetadataResponse>
