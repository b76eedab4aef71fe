/**
 * Open Inference Protocol tensors ↔ the rows and outputs of a prediction.
 * In, as the model's metadata lists them (inputsOf):
 * - a model whose feature columns are all numeric takes one numeric tensor `[rows × inputs]`, under any
 *   name (KServe's servers accept any name for a one-input model, e.g. its iris example's "input-0");
 * - a model with categorical columns takes one tensor per feature column, named by the column, shape
 *   `[rows]` (or `[rows, 1]`): numeric for a numeric column, BYTES (category names) for a categorical
 *   one. One tensor of numbers cannot say which category a cell means, so it is refused (400).
 * Numeric tensors may be FP32, FP64 (numpy's default) or any INT/UINT type: their values are read as
 * numbers (integers within the type's range for the integer types) and must still fit float32, as the
 * native predict's. Data is flat in row-major order or nested as the shape; an element is named in
 * errors by its path in the request as sent (`inputs[1].data[2]`, `inputs[0].data[2][1]`).
 * Out: `output` `[rows × units]` (class probabilities, or values in the targets' units) and, for
 * classifiers, `label` `[rows]` (BYTES). Value checks (finite, float32, width, categories) are the native
 * predict's (prediction-input.ts, predictor.ts).
 */
import { VALIDATION, withProblem } from '../../errors.js'
import type { InferOutputTensorBody, InferRequestBody } from '../../schemas/open-inference.js'
import { MAX_PREDICT_ROWS } from '../../schemas/model.js'
import type { Preprocessing } from '../../data/model-inputs.js'
import type { Prediction } from '../predictor.js'
import type { RowPaths } from '../prediction-input.js'

export const INPUT_NAME = 'input'
export const OUTPUT_NAME = 'output'
export const LABEL_NAME = 'label'

type Tensor = InferRequestBody['inputs'][number]
type Value = number | string
type Columns = Preprocessing['columns']

/**
 * The protocol's integer datatypes (kserve/open-inference-protocol, "Tensor Data Types") and the values
 * each holds: min ≤ v < end. The bounds are powers of two, exact as doubles; the end is exclusive
 * because 2^63 - 1 and 2^64 - 1 are no doubles. `range` is written exactly (BigInt) for messages.
 */
interface IntegerRange { readonly min: number, readonly end: number, readonly range: string }
const INTEGER_TYPES: ReadonlyMap<string, IntegerRange> = new Map(([
  ['INT8', 8, true], ['INT16', 16, true], ['INT32', 32, true], ['INT64', 64, true],
  ['UINT8', 8, false], ['UINT16', 16, false], ['UINT32', 32, false], ['UINT64', 64, false]
] as const).map(([type, bits, signed]) => {
  const min = signed ? -(2n ** BigInt(bits - 1)) : 0n
  const end = 2n ** BigInt(signed ? bits - 1 : bits)
  return [type, { min: Number(min), end: Number(end), range: `${min} to ${end - 1n}` }]
}))
const isNumericType = (datatype: string): boolean => datatype === 'FP32' || datatype === 'FP64' || INTEGER_TYPES.has(datatype)
const NUMERIC_TYPES = 'FP32 (or FP64, INT8…INT64, UINT8…UINT64)'

/**
 * "an INT32 tensor", "a UINT8 tensor", "an FP32 tensor", "a BYTES tensor": the article goes by how the
 * name is read, INT as a word, FP as letters (ef-pee), UINT as "you-int".
 */
const aTensor = (datatype: string): string => `${/^(INT|FP)/.test(datatype) ? 'an' : 'a'} ${datatype} tensor`

const bad = (field: string, message: string): Error => withProblem(new VALIDATION(`${field}: ${message}`), { field })

/** One metadata input tensor: name, datatype, shape, and for a categorical column its categories. */
export interface InputTensorSpec {
  readonly name: string
  readonly datatype: 'FP32' | 'BYTES'
  readonly shape: number[]
  readonly parameters?: { readonly categories: string[] }
}

export const hasCategorical = (columns: Columns): boolean => columns.some((c) => c.categories !== undefined)

/** The model's input tensors: one FP32 `[-1, width]` for numeric columns only, else one per column `[-1]`. */
export function inputsOf (columns: Columns): InputTensorSpec[] {
  if (!hasCategorical(columns)) return [{ name: INPUT_NAME, datatype: 'FP32', shape: [-1, columns.length] }]
  return columns.map((c) => (c.categories
    ? { name: c.name, datatype: 'BYTES' as const, shape: [-1], parameters: { categories: [...c.categories] } }
    : { name: c.name, datatype: 'FP32' as const, shape: [-1] }))
}

/** The values in row-major order, from flat data or data nested as rows. */
function flatten (data: Tensor['data']): Value[] {
  const out: Value[] = []
  for (const v of data) {
    if (Array.isArray(v)) out.push(...v)
    else out.push(v)
  }
  return out
}

/**
 * The path, in the request as sent, of the value at row-major index `flat` of a tensor's data: data
 * may be flat or nested as rows (or a mix), so `data[5]` of flat data is `data[1][1]` of 4-wide rows.
 * Only called for a message: it walks the data again.
 */
function elementPath (field: string, data: Tensor['data'], flat: number): string {
  let seen = 0
  for (let i = 0; i < data.length; i++) {
    const v = data[i]
    if (!Array.isArray(v)) {
      if (seen++ === flat) return `${field}.data[${i}]`
    } else {
      if (flat < seen + v.length) return `${field}.data[${i}][${flat - seen}]`
      seen += v.length
    }
  }
  return `${field}.data[${flat}]`
}

/** A tensor's values checked against its datatype: numbers for numeric types (integers in range for INT/UINT), strings for BYTES. */
function valuesOf (tensor: Tensor, field: string, expected: 'numeric' | 'BYTES', what: string): Value[] {
  const values = flatten(tensor.data)
  const { name, datatype } = tensor
  const refuse = (i: number, holds: string): never => {
    throw bad(elementPath(field, tensor.data, i), `'${name}' is ${aTensor(datatype)}, which holds ${holds}; got ${JSON.stringify(values[i])}`)
  }
  if (expected === 'BYTES') {
    if (datatype !== 'BYTES') throw bad(`${field}.datatype`, `${what} is BYTES (category names as strings); got ${datatype}`)
    const i = values.findIndex((v) => typeof v !== 'string')
    if (i >= 0) refuse(i, 'strings (category names)')
    return values
  }
  if (!isNumericType(datatype)) throw bad(`${field}.datatype`, `${what} is ${NUMERIC_TYPES}; got ${datatype}`)
  const integer = INTEGER_TYPES.get(datatype)
  const holds = integer ? `integers from ${integer.range}` : 'numbers'
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (typeof v !== 'number') refuse(i, holds)
    // a value out of the type's range is refused, not wrapped or clamped: a client that sends 300 as UINT8 has a bug to see
    else if (integer && !(Number.isInteger(v) && v >= integer.min && v < integer.end)) refuse(i, holds)
  }
  return values
}

const checkRows = (field: string, n: number): void => {
  if (n < 1 || n > MAX_PREDICT_ROWS) throw bad(field, `rows must be 1 to ${MAX_PREDICT_ROWS}; got ${n}; split larger batches`)
}

/** Rows read from tensors, and where each of their values sits in the request (for errors and unknown categories). */
export interface TensorRows { readonly rows: Value[][], readonly at: RowPaths }

/** `[rows × inputs]` from the one numeric tensor of a model whose columns are all numeric. */
function rowsOfOneTensor (inputs: readonly Tensor[], columns: Columns): TensorRows {
  if (inputs.length !== 1) throw bad('inputs', `the model has one input, '${INPUT_NAME}' [rows, inputs]; got ${inputs.length} tensors (${inputs.map((t) => `'${t.name}'`).join(', ')})`)
  const tensor = inputs[0]
  const field = 'inputs[0]'
  const values = valuesOf(tensor, field, 'numeric', `the input '${tensor.name}'`) as number[]
  const { shape } = tensor
  if (shape.length !== 2) throw bad(`${field}.shape`, `the input is [rows, inputs] (2 dimensions); got [${shape.join(', ')}]`)
  const [n, width] = shape
  checkRows(`${field}.shape[0]`, n)
  // the shape is what to fix, not a "row" of the request: said here rather than as the predictor's row width
  if (width !== columns.length) throw bad(`${field}.shape`, `the model takes ${columns.length} inputs per row, [rows, ${columns.length}]; got [${n}, ${width}]`)
  if (values.length !== n * width) throw bad(`${field}.data`, `the shape [${n}, ${width}] needs ${n * width} values; got ${values.length}`)
  const at: RowPaths = {
    row: () => `${field}.shape`,
    cell: (r, c) => elementPath(field, tensor.data, r * width + c),
    member: () => field
  }
  return { rows: Array.from({ length: n }, (_, r) => values.slice(r * width, (r + 1) * width)), at }
}

/** What a model with categorical columns takes, for messages: `a, b (FP32), color (BYTES: "blue", "red")`. */
function describeColumns (columns: Columns): string {
  return columns.map((c) => (c.categories ? `'${c.name}' (BYTES: ${c.categories.map((k) => JSON.stringify(k)).join(', ')})` : `'${c.name}' (FP32)`)).join(', ')
}

/** Rows of raw cells, in column order, from one tensor per feature column (a model with categorical columns). */
function rowsOfColumnTensors (inputs: readonly Tensor[], columns: Columns, model: string): TensorRows {
  const wanted = `one input per feature column, each of shape [rows]: ${describeColumns(columns)}; GET /v2/models/${model} lists them`
  const byName = new Map<string, number>()
  for (const [i, t] of inputs.entries()) if (!byName.has(t.name)) byName.set(t.name, i)
  if (inputs.length === 1 && !columns.some((c) => c.name === inputs[0].name)) {
    throw bad('inputs', `the model has categorical feature columns, whose categories one tensor of numbers cannot name; send ${wanted}`)
  }
  for (const [i, t] of inputs.entries()) {
    if (!columns.some((c) => c.name === t.name)) throw bad(`inputs[${i}].name`, `the model has no input '${t.name}'; send ${wanted}`)
    if (byName.get(t.name) !== i) throw bad(`inputs[${i}].name`, `the input '${t.name}' is sent twice`)
  }
  const missing = columns.filter((c) => !byName.has(c.name)).map((c) => `'${c.name}'`)
  if (missing.length > 0) throw bad('inputs', `missing ${missing.join(', ')}; send ${wanted}`)

  let n = -1
  const cells = columns.map((c) => {
    const i = byName.get(c.name)!
    const tensor = inputs[i]
    const field = `inputs[${i}]`
    const values = valuesOf(tensor, field, c.categories ? 'BYTES' : 'numeric', `the input '${c.name}'`)
    const { shape } = tensor
    if (!(shape.length === 1 || (shape.length === 2 && shape[1] === 1))) throw bad(`${field}.shape`, `the input '${c.name}' is [rows] (or [rows, 1]); got [${shape.join(', ')}]`)
    checkRows(`${field}.shape[0]`, shape[0])
    if (n >= 0 && shape[0] !== n) throw bad(`${field}.shape`, `every input needs the same rows: '${columns[0].name}' has ${n}, '${c.name}' has ${shape[0]}`)
    n = shape[0]
    if (values.length !== n) throw bad(`${field}.data`, `the shape [${shape.join(', ')}] needs ${n} values; got ${values.length}`)
    return values
  })
  // column c of row r is element r of the column's tensor (shape [rows] or [rows, 1]), wherever that tensor is in the request
  const tensorOf = columns.map((c) => byName.get(c.name)!)
  const at: RowPaths = {
    row: () => 'inputs',
    cell: (r, c) => elementPath(`inputs[${tensorOf[c]}]`, inputs[tensorOf[c]].data, r),
    member: () => 'inputs'
  }
  return { rows: Array.from({ length: n }, (_, r) => cells.map((values) => values[r])), at }
}

/**
 * Checks of the request's tensors that need no model (a bad body is a 400 before an unknown model is a
 * 404): rows within the cap.
 */
export function checkInputs (inputs: readonly Tensor[]): void {
  for (const [i, t] of inputs.entries()) if (t.shape.length >= 1) checkRows(`inputs[${i}].shape[0]`, t.shape[0])
}

/**
 * The rows (`[rows × raw columns]`, numbers, and category names for categorical columns) of the
 * request's tensors for a model with these feature columns, and each value's path in the request. A
 * wrong name, datatype or shape, or data that does not fill the shape, is a 400 that says which and what
 * to send. `model`: its name, for messages. (Rows are built at the model's width: `row` and `member`
 * of `at` name no more than the tensors.)
 */
export function rowsOfInputs (inputs: readonly Tensor[], columns: Columns, model: string): TensorRows {
  return hasCategorical(columns) ? rowsOfColumnTensors(inputs, columns, model) : rowsOfOneTensor(inputs, columns)
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
