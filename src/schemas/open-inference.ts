/**
 * The Open Inference Protocol (KServe v2, Triton) over HTTP/REST: requests, responses and errors as
 * its specification (kserve/open-inference-protocol, rest_predict_v2.yaml) defines them, for the subset
 * this service serves: numeric tensors (FP32, FP64, INT*, UINT*) and BYTES category names in, FP32 (and
 * BYTES class labels) out, as JSON or with the binary tensor extension (api/protocols/binary-tensors.ts).
 */
import { z } from 'zod'
import './messages.js'
import { show } from '../data/cells.js'

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
    categories: z.string().describe('The categories of a categorical feature column, the values its BYTES tensor may hold, as JSON text of a list ' +
      '(["blue","red"]): the protocol\'s parameter values are strings, numbers or booleans, and KServe\'s typed clients refuse others'),
    untrained_categories: z.string().optional().describe('Those of the categories that no row the model trained on held (the dataset had them in validation rows ' +
      'only), as JSON text of a list: they answer as unknown categories, all zeros, reported in unknown_categories; absent when there are none')
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

const ConfigTensor = z.object({
  name: z.string(),
  data_type: z.enum(['TYPE_FP32', 'TYPE_STRING']).describe('Triton\'s name of the datatype: FP32 is TYPE_FP32, BYTES is TYPE_STRING'),
  dims: z.array(z.number().int()).describe('The shape of one row: without the batch dimension, as max_batch_size > 0 says'),
  reshape: z.object({ shape: z.array(z.number().int()) }).optional()
    .describe('For a tensor of the batch dimension alone (a label, a feature column: [-1] in the metadata): shape [], so dims [1] stand for [rows], not [rows, 1], as Triton writes it')
})

export const ModelConfigResponse = z.object({
  name: z.string(),
  platform: z.string(),
  backend: z.string(),
  max_batch_size: z.number().int().describe('The most rows one infer request takes'),
  input: z.array(ConfigTensor),
  output: z.array(ConfigTensor)
}).meta({ id: 'ModelConfigResponse', description: 'Triton\'s model configuration (its model configuration extension, tritonclient\'s get_model_config), for the fields a client reads: batching and tensors' })

export const ModelReadyResponse = z.object({
  name: z.string(),
  ready: z.boolean()
}).meta({ id: 'ModelReadyResponse' })

/** The values flat in row-major order, or nested as the 2-D shape: rows of values. Numbers, or strings in a BYTES tensor. */
// a number text past float64 (1e400) was parsed as ±Infinity, which JSON.stringify writes as null: say what was sent
const describe = (v: unknown): string => (typeof v === 'number' ? show(v) : JSON.stringify(v))
// a value of another kind gets one line saying what a tensor holds, not zod's list of union branches
const valueError = (iss: { input?: unknown }): string => iss.input === null
  ? 'an Open Inference tensor carries no missing values (null): fill the value in, or send the row to POST /v1/models/{name}/predict or TF Serving\'s :predict, which take null for a missing value'
  : `expected a number, or a string in a BYTES tensor; got ${typeof iss.input === 'boolean' ? `${String(iss.input)} (BOOL tensors are not accepted: send 0/1 as FP32)` : describe(iss.input)}`
const TensorValue = z.union([z.number(), z.string().max(200)], { error: valueError })
const TensorData = z.array(z.union([z.number(), z.string().max(200), z.array(TensorValue)], { error: valueError }))

/** Where a `parameters` object sits in an inference request: its extensions' parameters differ by place. */
export type ParametersPlace = 'request' | 'input' | 'output'

/**
 * The first parameter this server refuses at that place, and why; other parameters are ignored. The
 * binary tensor extension's (protocols/binary-tensors.ts) are read: `binary_data_output` (request) and
 * `binary_data` (output) are booleans; an input's `binary_data_size` is consumed by the binary framing,
 * so one still present was sent without it. An output's `classification` (Triton's classification
 * extension, protocols/tensors.ts) is a count ≥ 1. The shared-memory extension's are refused.
 */
export function parameterProblem (p: Record<string, unknown>, place: ParametersPlace): { key: string, message: string } | undefined {
  const key = Object.keys(p).find((k) => k.startsWith('shared_memory_'))
  if (key !== undefined) return { key, message: 'the shared-memory extension is not supported here: send the tensor\'s data in the request (as JSON, or as binary data with binary_data_size)' }
  const flag = place === 'request' ? 'binary_data_output' : place === 'output' ? 'binary_data' : undefined
  if (flag !== undefined && p[flag] !== undefined && typeof p[flag] !== 'boolean') {
    return { key: flag, message: `true or false (whether ${place === 'request' ? 'outputs are' : 'the output is'} answered as binary data after the JSON); got ${JSON.stringify(p[flag])}` }
  }
  if (place === 'output' && p.classification !== undefined && !(Number.isSafeInteger(p.classification) && (p.classification as number) >= 1)) {
    return { key: 'classification', message: `the number of top classes to answer, a whole number ≥ 1; got ${JSON.stringify(p.classification)}` }
  }
  if (place === 'input' && p.binary_data_size !== undefined) {
    return { key: 'binary_data_size', message: 'binary data needs its framing: send the header Inference-Header-Content-Length with the byte length of the JSON, and the tensor\'s bytes after the JSON' }
  }
  return undefined
}

const parametersAt = (place: ParametersPlace) => z.record(z.string(), z.unknown()).superRefine((p, ctx) => {
  const problem = parameterProblem(p, place)
  if (problem) ctx.addIssue({ code: 'custom', path: [problem.key], message: problem.message })
})

export const InferInputTensor = z.object({
  name: z.string().describe('The input\'s name from the model metadata: any name for a model with one input; the feature column\'s name for a model with categorical columns (one input per column)'),
  shape: z.array(z.number().int().min(0)).describe('[rows, inputs] for the one input; [rows] (or [rows, 1]) for a feature column\'s input'),
  datatype: z.string().describe('FP32 (FP64, FP16, BF16, INT8…INT64 and UINT8…UINT64 are read as numbers); BYTES for a categorical column\'s category names'),
  parameters: parametersAt('input').optional()
    .describe('binary_data_size: the tensor\'s bytes follow the JSON (binary tensor extension, with the Inference-Header-Content-Length header), and data is left out; other parameters are ignored'),
  data: TensorData.describe('The values, flat in row-major order or nested as the shape')
})

export const InferRequest = z.object({
  id: z.string().optional().describe('Echoed in the response'),
  parameters: parametersAt('request').optional()
    .describe('binary_data_output: true answers every output as binary data after the JSON (binary tensor extension); other parameters are ignored'),
  inputs: z.array(InferInputTensor).min(1),
  outputs: z.array(z.object({
    name: z.string(),
    parameters: parametersAt('output').optional().describe('binary_data: true answers this output as binary data after the JSON, false as JSON (overriding binary_data_output). ' +
      'classification: n answers the output as its n highest values per row (Triton\'s classification extension): BYTES [rows, n], "<value>:<index>:<class>", highest first')
  })).optional()
    .describe('The outputs to return (default: all of them)')
}).meta({ id: 'InferRequest' })

export type InferRequestBody = z.infer<typeof InferRequest>

export const InferOutputTensor = z.object({
  name: z.string(),
  shape: z.array(z.number().int()),
  datatype: z.enum(['FP32', 'BYTES']),
  parameters: z.object({ binary_data_size: z.number().int() }).optional()
    .describe('An output asked for as binary data: its size in bytes; its bytes follow the JSON, in the order of outputs'),
  data: z.array(z.union([z.number(), z.string()])).optional().describe('Flat, in row-major order (absent for an output answered as binary data)')
})

export type InferOutputTensorBody = z.infer<typeof InferOutputTensor>

export const InferResponse = z.object({
  model_name: z.string(),
  model_version: z.string().optional(),
  id: z.string().optional(),
  parameters: z.object({
    unknown_categories: z.string()
      .describe('Values of categorical feature columns that name no category of the model, encoded as all zeros (as the native predict\'s unknownCategories), ' +
        'as JSON text of a list of {row, field, value} (the protocol\'s parameter values are strings, numbers or booleans, and KServe\'s typed clients refuse others)')
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
