/**
 * Open Inference Protocol tensors ↔ the rows and outputs of a prediction. In: one FP32 input `[rows ×
 * inputs]`, its data flat in row-major order or nested as the shape. Out: `output` `[rows × units]`
 * (class probabilities, or values in the targets' units) and, for classifiers, `label` `[rows]` (BYTES).
 * Value checks (finite, float32, width) are the native predict's (prediction-input.ts, predictor.ts).
 */
import { VALIDATION, withProblem } from '../../errors.js'
import type { InferOutputTensorBody, InferRequestBody } from '../../schemas/open-inference.js'
import { MAX_PREDICT_ROWS } from '../../schemas/model.js'
import type { Prediction } from '../predictor.js'

export const INPUT_NAME = 'input'
export const OUTPUT_NAME = 'output'
export const LABEL_NAME = 'label'

type Tensor = InferRequestBody['inputs'][number]
type Nested = Tensor['data']

const bad = (field: string, message: string): Error => withProblem(new VALIDATION(`${field}: ${message}`), { field })

/** The values in row-major order, from flat data or data nested as rows. */
function flatten (data: Nested): number[] {
  const out: number[] = []
  for (const v of data) {
    if (typeof v === 'number') out.push(v)
    else out.push(...v)
  }
  return out
}

/**
 * The rows of the request's one input tensor: `[rows × inputs]` from its shape and data. A wrong name,
 * datatype or shape, or data that does not fill the shape, is a 400 that says which.
 */
export function rowsOfInputs (inputs: InferRequestBody['inputs']): number[][] {
  if (inputs.length !== 1) throw bad('inputs', `the model has one input, '${INPUT_NAME}'; got ${inputs.length} tensors (${inputs.map((t) => `'${t.name}'`).join(', ')})`)
  const tensor = inputs[0]
  const field = 'inputs[0]'
  if (tensor.name !== INPUT_NAME) throw bad(`${field}.name`, `the model's input is named '${INPUT_NAME}'; got '${tensor.name}'`)
  if (tensor.datatype !== 'FP32') throw bad(`${field}.datatype`, `the input '${INPUT_NAME}' is FP32; got ${tensor.datatype}`)
  const { shape } = tensor
  if (shape.length !== 2) throw bad(`${field}.shape`, `the input is [rows, inputs] (2 dimensions); got [${shape.join(', ')}]`)
  const [n, width] = shape
  if (n < 1 || n > MAX_PREDICT_ROWS) throw bad(`${field}.shape[0]`, `rows must be 1 to ${MAX_PREDICT_ROWS}; got ${n}; split larger batches`)
  const values = flatten(tensor.data)
  if (values.length !== n * width) throw bad(`${field}.data`, `the shape [${n}, ${width}] needs ${n * width} values; got ${values.length}`)
  return Array.from({ length: n }, (_, r) => values.slice(r * width, (r + 1) * width))
}

/** The model's output tensors of a prediction, in the order asked for (default: all, output first). */
export function outputTensors (prediction: Prediction, asked?: readonly string[]): InferOutputTensorBody[] {
  const { outputs, labels } = prediction
  const n = outputs.length
  const K = n === 0 ? 0 : outputs[0].length
  const available: Record<string, () => InferOutputTensorBody> = {
    [OUTPUT_NAME]: () => ({ name: OUTPUT_NAME, datatype: 'FP32', shape: [n, K], data: outputs.flat() }),
    ...(labels ? { [LABEL_NAME]: () => ({ name: LABEL_NAME, datatype: 'BYTES' as const, shape: [n], data: labels }) } : {})
  }
  const names = asked ?? Object.keys(available)
  return names.map((name, i) => {
    const make = available[name]
    if (!make) throw bad(`outputs[${i}].name`, `the model has no output '${name}'; its outputs are ${Object.keys(available).map((k) => `'${k}'`).join(', ')}`)
    return make()
  })
}
