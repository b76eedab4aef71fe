/**
 * The values of one Open Inference Protocol input tensor, checked against its datatype: numbers for
 * FP32, FP64, FP16, BF16 and the INT/UINT types (whole and within the type's range for those), strings for BYTES.
 * A fault is a 400 naming the element by its path in the request as sent, flat or nested as rows
 * (elementPath), with the tensor's name and what its datatype holds. Shapes are tensors.ts's.
 */
import { VALIDATION, withProblem } from '../../errors.js'
import type { InferRequestBody } from '../../schemas/open-inference.js'

export type Tensor = InferRequestBody['inputs'][number]
export type Value = number | string

/**
 * The protocol's integer datatypes (kserve/open-inference-protocol, "Tensor Data Types") and the values
 * each holds: min ≤ v ≤ max. `max` is the largest value as a double: 2^63 − 1 and 2^64 − 1 are no doubles, and
 * JSON's 9223372036854775807 (or binary INT64's largest, read as a number) arrives as 2^63, which must pass. `range`
 * is written exactly (BigInt) for messages.
 */
interface IntegerRange { readonly min: number, readonly max: number, readonly range: string }
const INTEGER_TYPES: ReadonlyMap<string, IntegerRange> = new Map(([
  ['INT8', 8, true], ['INT16', 16, true], ['INT32', 32, true], ['INT64', 64, true],
  ['UINT8', 8, false], ['UINT16', 16, false], ['UINT32', 32, false], ['UINT64', 64, false]
] as const).map(([type, bits, signed]) => {
  const min = signed ? -(2n ** BigInt(bits - 1)) : 0n
  const end = 2n ** BigInt(signed ? bits - 1 : bits)
  return [type, { min: Number(min), max: Number(end - 1n), range: `${min} to ${end - 1n}` }]
}))
// FP16 and BF16 come as binary data (binary-tensors.ts decodes them); as JSON numbers they are read as any float
const FLOAT_TYPES = new Set(['FP32', 'FP64', 'FP16', 'BF16'])
const isNumericType = (datatype: string): boolean => FLOAT_TYPES.has(datatype) || INTEGER_TYPES.has(datatype)
const NUMERIC_TYPES = 'FP32 (or FP64, FP16, BF16, INT8…INT64, UINT8…UINT64)'

/**
 * "an INT32 tensor", "a UINT8 tensor", "an FP32 tensor", "a BYTES tensor": the article goes by how the
 * name is read, INT as a word, FP as letters (ef-pee), UINT as "you-int".
 */
const aTensor = (datatype: string): string => `${/^(INT|FP)/.test(datatype) ? 'an' : 'a'} ${datatype} tensor`

const bad = (field: string, message: string): Error => withProblem(new VALIDATION(`${field}: ${message}`), { field })

/** The values in row-major order, from flat data or data nested as rows (checkNesting). */
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
 * may be flat or nested as rows, so `data[5]` of flat data is `data[1][1]` of 4-wide rows.
 * Only called for a message: it walks the data again.
 */
export function elementPath (field: string, data: Tensor['data'], flat: number): string {
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

/**
 * Data nested as rows must nest as the shape says: the protocol's data is flat in row-major order, or nested
 * as the tensor's shape (kserve/open-inference-protocol, "Tensor Data"). Flattening ragged rows whose
 * values happen to add up to the shape's had moved values into the next row, and answered 200 (a trial:
 * [[5.1, 3.5, 1.4], [0.2, 6.7, 3, 5.2, 2.3]] for [2, 4]). A tensor of shape [rows] may nest each value
 * alone ([[v], [v]]), as [rows, 1] would.
 */
function checkNesting (tensor: Tensor, field: string): void {
  const { data, shape } = tensor
  const firstRow = data.findIndex((v) => Array.isArray(v))
  if (firstRow < 0 || shape.length === 0) return
  const width = shape.slice(1).reduce((a, b) => a * b, 1)
  const nested = `nested as rows of the shape [${shape.join(', ')}], ${width} value${width === 1 ? '' : 's'} each`
  const loose = data.findIndex((v) => !Array.isArray(v))
  if (loose >= 0) throw bad(`${field}.data[${loose}]`, `a value beside rows (data[${firstRow}] is a row): send the data flat, in row-major order, or ${nested}; not both`)
  for (let r = 0; r < data.length; r++) {
    const row = data[r] as Value[]
    if (row.length !== width) throw bad(`${field}.data[${r}]`, `a row of ${row.length} value${row.length === 1 ? '' : 's'}; data ${nested}`)
  }
  if (data.length !== shape[0]) throw bad(`${field}.data`, `${data.length} rows; data ${nested}, has ${shape[0]}`)
}

/** A tensor's values checked against its datatype: numbers for numeric types (integers in range for INT/UINT), strings for BYTES. */
export function valuesOf (tensor: Tensor, field: string, expected: 'numeric' | 'BYTES', what: string): Value[] {
  checkNesting(tensor, field)
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
    else if (integer && !(Number.isInteger(v) && v >= integer.min && v <= integer.max)) refuse(i, holds)
  }
  return values
}
