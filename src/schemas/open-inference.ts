/**
 * The Open Inference Protocol (KServe v2, Triton) over HTTP/REST: requests, responses and errors as
 * its specification (kserve/open-inference-protocol, rest_predict_v2.yaml) defines them, for the subset
 * this service serves: numeric tensors (FP32, FP64, INT*, UINT*) and BYTES category names in, FP32 (and
 * BYTES class labels) out, JSON data only (no binary tensor extension).
 */
import { z } from 'zod'
import './messages.js'

/** `{ "error": "…" }`: the protocol's error body (every 4xx and 5xx of the /v2 routes). */
export const ProtocolError = z.object({
  error: z.string().describe('What went wrong and what to change')
}).meta({ id: 'ProtocolError' })

/** Error responses as the protocols document them; declared per content type, so the error handler's body is not checked against them. */
export const protocolErrors = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, {
  description: 'The protocol\'s error body, {"error": …}',
  content: { 'application/json': { schema: ProtocolError } }
}]))

export const MetadataTensor = z.object({
  name: z.string(),
  datatype: z.string().describe('A tensor datatype of the protocol: FP32, BYTES, …'),
  shape: z.array(z.number().int()).describe('-1 for a dimension of any size (the rows)'),
  parameters: z.object({
    categories: z.array(z.string()).describe('The categories of a categorical feature column, the values its BYTES tensor may hold')
  }).optional().describe('For a categorical feature column\'s input only')
}).meta({ id: 'MetadataTensor' })

export const ServerLiveResponse = z.object({ live: z.boolean() }).meta({ id: 'ServerLiveResponse' })
export const ServerReadyResponse = z.object({ ready: z.boolean() }).meta({ id: 'ServerReadyResponse' })

export const ServerMetadataResponse = z.object({
  name: z.string(),
  version: z.string(),
  extensions: z.array(z.string())
}).meta({ id: 'ServerMetadataResponse' })

export const ModelMetadataResponse = z.object({
  name: z.string(),
  versions: z.array(z.string()).optional().describe('The versions of the model name that can be served'),
  platform: z.string(),
  inputs: z.array(MetadataTensor),
  outputs: z.array(MetadataTensor)
}).meta({ id: 'ModelMetadataResponse' })

export const ModelReadyResponse = z.object({
  name: z.string(),
  ready: z.boolean()
}).meta({ id: 'ModelReadyResponse' })

/** The values flat in row-major order, or nested as the 2-D shape: rows of values. Numbers, or strings in a BYTES tensor. */
// a value of another kind gets one line saying what a tensor holds, not zod's list of union branches
const valueError = (iss: { input?: unknown }): string => iss.input === null
  ? 'an Open Inference tensor carries no missing values (null): fill the value in, or send the row to POST /v1/models/{name}/predict or TF Serving\'s :predict, which take null for a missing value'
  : `expected a number, or a string in a BYTES tensor; got ${typeof iss.input === 'boolean' ? `${String(iss.input)} (BOOL tensors are not accepted: send 0/1 as FP32)` : JSON.stringify(iss.input)}`
const TensorValue = z.union([z.number(), z.string().max(200)], { error: valueError })
const TensorData = z.array(z.union([z.number(), z.string().max(200), z.array(TensorValue)], { error: valueError }))

/** KServe's binary tensor extension's parameters: this server answers and reads JSON tensors only. */
export const BINARY_PARAMETERS = ['binary_data_output', 'binary_data', 'binary_data_size'] as const
/** Parameters that ask for the binary extension (any value but false). */
export const asksBinary = (p: Record<string, unknown>): string | undefined => BINARY_PARAMETERS.find((k) => p[k] !== undefined && p[k] !== false)

const Parameters = z.record(z.string(), z.unknown()).superRefine((p, ctx) => {
  const key = asksBinary(p)
  if (key !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'the binary tensor extension is not supported here: drop it, tensors are read and answered as JSON' })
}).describe('Ignored, but for the binary tensor extension\'s binary_data_output, binary_data and binary_data_size, which are refused (400): tensors are JSON only')

export const InferInputTensor = z.object({
  name: z.string().describe('The input\'s name from the model metadata: any name for a model with one input; the feature column\'s name for a model with categorical columns (one input per column)'),
  shape: z.array(z.number().int().min(0)).describe('[rows, inputs] for the one input; [rows] (or [rows, 1]) for a feature column\'s input'),
  datatype: z.string().describe('FP32 (FP64, INT8…INT64 and UINT8…UINT64 are read as numbers); BYTES for a categorical column\'s category names'),
  parameters: Parameters.optional(),
  data: TensorData.describe('The values, flat in row-major order or nested as the shape')
})

export const InferRequest = z.object({
  id: z.string().optional().describe('Echoed in the response'),
  parameters: Parameters.optional(),
  inputs: z.array(InferInputTensor).min(1),
  outputs: z.array(z.object({ name: z.string(), parameters: Parameters.optional() })).optional()
    .describe('The outputs to return (default: all of them)')
}).meta({ id: 'InferRequest' })

export type InferRequestBody = z.infer<typeof InferRequest>

export const InferOutputTensor = z.object({
  name: z.string(),
  shape: z.array(z.number().int()),
  datatype: z.enum(['FP32', 'BYTES']),
  data: z.array(z.union([z.number(), z.string()])).describe('Flat, in row-major order')
})

export type InferOutputTensorBody = z.infer<typeof InferOutputTensor>

export const InferResponse = z.object({
  model_name: z.string(),
  model_version: z.string().optional(),
  id: z.string().optional(),
  parameters: z.object({
    unknown_categories: z.array(z.object({ row: z.number().int(), field: z.string(), value: z.string() }))
      .describe('Values of categorical feature columns that name no category of the model, encoded as all zeros (as the native predict\'s unknownCategories)')
  }).optional(),
  outputs: z.array(InferOutputTensor)
}).meta({ id: 'InferResponse' })

export type InferResponseBody = z.infer<typeof InferResponse>

/** The model name in the path (open-inference and tf-serving routes). */
export const ServedModelParams = z.object({
  name: z.string().min(1).max(200).describe('A model name (its newest version is served), or a model id, or name@<version>')
})

/** A model name and one of its versions. */
export const ServedVersionParams = z.object({
  name: z.string().min(1).max(200).describe('A model name'),
  version: z.string().min(1).max(20).describe('A version of the model name: 1, 2, …')
})
