/**
 * Open Inference Protocol tensors ↔ the rows and outputs of a prediction.
 * In, as the model's metadata lists them (inputsOf):
 * - a model whose feature columns are all numeric takes one numeric tensor `[rows × inputs]`, under any
 *   name (KServe's servers accept any name for a one-input model, e.g. its iris example's "input-0");
 * - a model with categorical columns takes one tensor per feature column, named by the column, shape
 *   `[rows]` (or `[rows, 1]`): numeric for a numeric column, BYTES (category names) for a categorical
 *   one. One tensor of numbers cannot say which category a cell means, so it is refused (400).
 * Numeric tensors may be FP32, FP64 (numpy's default) or any INT/UINT type: their values are read as
 * numbers (integers within the type's range for the integer types: tensor-values.ts) and must still fit
 * float32, as the native predict's. Data is flat in row-major order or nested as the shape; an element is
 * named in errors by its path in the request as sent (`inputs[1].data[2]`, `inputs[0].data[2][1]`).
 * Out: `output` `[rows × units]` (class probabilities, or values in the targets' units) and, for
 * classifiers, `label` `[rows]` (BYTES). Value checks (finite, float32, width, categories) are the native
 * predict's (prediction-input.ts, predictor.ts).
 */
import { takesNumbers } from '../prediction-columns.js'
import { VALIDATION, withProblem } from '../../errors.js'
import type { InferOutputTensorBody } from '../../schemas/open-inference.js'
import { MAX_PREDICT_ROWS } from '../../schemas/model.js'
import type { Preprocessing } from '../../data/model-inputs.js'
import type { Prediction } from '../predictor.js'
import type { RowPaths } from '../prediction-input.js'
import { elementPath, valuesOf, type Tensor, type Value } from './tensor-values.js'
import { counted } from '../../nn/counted.js'

export const INPUT_NAME = 'input'
export const OUTPUT_NAME = 'output'
export const LABEL_NAME = 'label'

type Columns = Preprocessing['columns']

const bad = (field: string, message: string): Error => withProblem(new VALIDATION(`${field}: ${message}`), { field })

/** One metadata input tensor: name, datatype, shape, and for a categorical column its categories. */
export interface InputTensorSpec {
  readonly name: string
  readonly datatype: 'FP32' | 'BYTES'
  readonly shape: number[]
  /** The protocol's parameter values are scalars (KServe's typed clients refuse others): the list as JSON text. */
  readonly parameters?: { readonly categories: string, readonly untrained_categories?: string }
}

export const hasCategorical = (columns: Columns): boolean => columns.some((c) => c.categories !== undefined)

/** The model's input tensors: one FP32 `[-1, width]` for numeric columns only, else one per column `[-1]`. */
export function inputsOf (columns: Columns): InputTensorSpec[] {
  if (!hasCategorical(columns)) return [{ name: INPUT_NAME, datatype: 'FP32', shape: [-1, columns.length] }]
  return columns.map((c) => (c.categories
    ? { name: c.name, datatype: 'BYTES' as const, shape: [-1], parameters: { categories: JSON.stringify(c.categories), ...(c.untrainedCategories?.length ? { untrained_categories: JSON.stringify(c.untrainedCategories) } : {}) } }
    : { name: c.name, datatype: 'FP32' as const, shape: [-1] }))
}

const checkRows = (field: string, n: number): void => {
  if (n < 1) throw bad(field, `rows must be 1 to ${MAX_PREDICT_ROWS}; got ${n}; send at least one row`)
  if (n > MAX_PREDICT_ROWS) throw bad(field, `rows must be 1 to ${MAX_PREDICT_ROWS}; got ${n}; split larger batches`)
}

/** Rows read from tensors, and where each of their values sits in the request (for errors and unknown categories). */
export interface TensorRows { readonly rows: Value[][], readonly at: RowPaths }

/** `[rows × inputs]` from the one numeric tensor of a model whose columns are all numeric. */
function rowsOfOneTensor (inputs: readonly Tensor[], columns: Columns): TensorRows {
  if (inputs.length !== 1) throw bad('inputs', `the model has one input, '${INPUT_NAME}' [rows, inputs]; got ${inputs.length} tensors (${inputs.map((t) => `'${t.name}'`).join(', ')})`)
  const tensor = inputs[0]
  const field = 'inputs[0]'
  const { shape } = tensor
  if (shape.length !== 2) throw bad(`${field}.shape`, `the input is [rows, inputs] (2 dimensions); got [${shape.join(', ')}]`)
  const values = valuesOf(tensor, field, 'numeric', `the input '${tensor.name}'`) as number[]
  const [n, width] = shape
  checkRows(`${field}.shape[0]`, n)
  // the shape is what to fix, not a "row" of the request: said here rather than as the predictor's row width
  if (width !== columns.length) throw bad(`${field}.shape`, `the model takes ${counted(columns.length, 'input')} per row, [rows, ${columns.length}]; got [${n}, ${width}]`)
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
    // a column whose categories are numbers (zip codes) takes them as numbers too, as the native predict does
    const asBytes = c.categories !== undefined && !(takesNumbers(c) && tensor.datatype !== 'BYTES')
    const { shape } = tensor
    if (!(shape.length === 1 || (shape.length === 2 && shape[1] === 1))) throw bad(`${field}.shape`, `the input '${c.name}' is [rows] (or [rows, 1]); got [${shape.join(', ')}]`)
    const values = valuesOf(tensor, field, asBytes ? 'BYTES' : 'numeric', `the input '${c.name}'`)
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
 * What no model takes: a tensor of other than 1 or 2 dimensions. Said before its data is read, so that `[1, 2, 2]`
 * is told its shape, not the width of its rows. Also the streaming scan's (tensor-cap-stream.ts).
 */
export function shapeMistake (shape: readonly number[]): string | null {
  return shape.length === 1 || shape.length === 2 ? null : `an input is [rows, inputs] (or [rows], one per feature column of a model with categorical columns); got [${shape.join(', ')}]`
}

/**
 * Checks of the request's tensors that need no model (a bad body is a 400 before an unknown model is a
 * 404): 1 or 2 dimensions, rows within the cap.
 */
export function checkInputs (inputs: readonly Tensor[]): void {
  for (const [i, t] of inputs.entries()) {
    const mistake = shapeMistake(t.shape)
    if (mistake !== null) throw bad(`inputs[${i}].shape`, mistake)
    checkRows(`inputs[${i}].shape[0]`, t.shape[0])
  }
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

/** An output a request asks for: its name, and its parameters (classification: schemas/open-inference.ts checks them). */
export interface AskedOutput { readonly name: string, readonly parameters?: Readonly<Record<string, unknown>> }

/**
 * Triton's classification extension (extension_classification.md): the `count` highest values of each row
 * of `[rows × K]` outputs, highest first (ties: the lower index first), as BYTES `[rows, count]` elements
 * `<value>:<index>[:<label>]`. The value is printed as Triton prints it (C++ std::to_string: 6 decimals); the
 * label is the class name where the model has one per unit. A count over K is cut to K.
 */
export function classificationOf (name: string, outputs: readonly number[][], count: number, classes: readonly string[] | undefined): InferOutputTensorBody {
  const K = outputs.length === 0 ? 0 : outputs[0].length
  const n = Math.min(count, K)
  const labelled = classes !== undefined && classes.length === K
  const data: string[] = []
  for (const row of outputs) {
    const order = Array.from({ length: K }, (_, k) => k).sort((a, b) => row[b] - row[a] || a - b)
    for (let j = 0; j < n; j++) {
      const k = order[j]
      data.push(`${row[k].toFixed(6)}:${k}${labelled ? `:${classes[k]}` : ''}`)
    }
  }
  return { name, datatype: 'BYTES', shape: [outputs.length, n], data }
}

/**
 * The model's output tensors of a prediction, in the order asked for (default: all, output first); an
 * output asked for with `parameters.classification` is answered as classificationOf's top classes.
 * `classes`: the model's class names, for the classification's labels.
 */
export function outputTensors (prediction: Prediction, asked?: readonly AskedOutput[], classes?: readonly string[]): InferOutputTensorBody[] {
  const { outputs, labels } = prediction
  const n = outputs.length
  const K = n === 0 ? 0 : outputs[0].length
  const available: Record<string, () => InferOutputTensorBody> = {
    [OUTPUT_NAME]: () => ({ name: OUTPUT_NAME, datatype: 'FP32', shape: [n, K], data: outputs.flat() }),
    ...(labels ? { [LABEL_NAME]: () => ({ name: LABEL_NAME, datatype: 'BYTES' as const, shape: [n], data: labels }) } : {})
  }
  // no outputs named (absent, or an empty list, as Triton reads it): every output
  const wanted: readonly AskedOutput[] = asked !== undefined && asked.length > 0 ? asked : Object.keys(available).map((name) => ({ name }))
  const names = wanted.map((o) => o.name)
  return wanted.map(({ name, parameters }, i) => {
    const make = Object.hasOwn(available, name) ? available[name] : undefined // "__proto__" names no output
    if (!make) throw bad(`outputs[${i}].name`, `the model has no output '${name}'; its outputs are ${Object.keys(available).map((k) => `'${k}'`).join(', ')}`)
    // an answer holds each output once: a second tensor of one name would leave a client keyed by name to pick one
    const first = names.indexOf(name)
    if (first !== i) throw bad(`outputs[${i}].name`, `'${name}' is asked for twice (also outputs[${first}]); name each output once`)
    const count = parameters?.classification
    if (typeof count === 'number') {
      if (name !== OUTPUT_NAME) throw bad(`outputs[${i}].parameters.classification`, `classification ranks a numeric output's values; ask it of '${OUTPUT_NAME}', not '${name}'`)
      return classificationOf(name, outputs, count, classes)
    }
    return make()
  })
}
