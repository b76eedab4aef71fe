/**
 * Plain-loop checks of the protocol routes' common bodies, for fast-path.ts's fastValidator: a body
 * that passes is one its zod schema accepts (schemas/open-inference.ts, schemas/tf-serving.ts), so it
 * skips zod's walk over every value; any other body goes to zod, whose 400s are then unchanged.
 * Measured on one 784-wide row: zod's union per value was most of a protocol request's CPU.
 */
import { MAX_PREDICT_ROWS } from '../../schemas/model.js'
import { parameterProblem, type ParametersPlace } from '../../schemas/open-inference.js'

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isName = (v: unknown, max: number): boolean => typeof v === 'string' && v.length >= 1 && v.length <= max

/** A string TensorData accepts (schemas/open-inference.ts: at most 200 characters). */
const isString = (v: unknown): boolean => typeof v === 'string' && v.length <= 200

function isNumbers (row: unknown): boolean {
  if (!Array.isArray(row)) return false
  for (let i = 0; i < row.length; i++) if (typeof row[i] !== 'number' || !Number.isFinite(row[i])) return false
  return true
}

/** `{ name }` or `{ name, version }`, as ServedModelParams / ServedVersionParams accept them. */
export function isServedParams (params: unknown): boolean {
  if (!isObject(params)) return false
  for (const key in params) if (key !== 'name' && key !== 'version') return false
  return isName(params.name, 200) && (params.version === undefined || isName(params.version, 20))
}

/** TfsPredictRequest's row form with numbers only: `{ instances: [[…], …] }`, optionally signature_name serving_default (or "", its other name). */
export function isTfsRowsBody (body: unknown): boolean {
  if (!isObject(body)) return false
  for (const key in body) if (key !== 'instances' && key !== 'signature_name') return false
  if (body.signature_name !== undefined && body.signature_name !== 'serving_default' && body.signature_name !== '') return false
  const rows = body.instances
  if (!Array.isArray(rows) || rows.length < 1 || rows.length > MAX_PREDICT_ROWS) return false
  for (const row of rows) if (!isNumbers(row)) return false
  return true
}

/** Parameters as InferRequest's schema takes them at that place: absent, or an object with no parameter it refuses. */
const isParameters = (p: unknown, place: ParametersPlace): boolean => p === undefined || (isObject(p) && parameterProblem(p, place) === undefined)

function isTensor (t: unknown): boolean {
  if (!isObject(t) || typeof t.name !== 'string' || typeof t.datatype !== 'string') return false
  if (!isParameters(t.parameters, 'input')) return false
  const { shape, data } = t
  if (!Array.isArray(shape)) return false
  for (const d of shape) if (!Number.isSafeInteger(d) || (d as number) < 0) return false
  if (!Array.isArray(data)) return false
  if (t.datatype === 'BYTES') {
    // a categorical column's category names (tensors.ts), flat or nested one level
    for (const v of data) if (!(isString(v) || (Array.isArray(v) && v.every(isString)))) return false
    return true
  }
  for (const v of data) if (!(typeof v === 'number' ? Number.isFinite(v) : isNumbers(v))) return false
  return true
}

/** InferRequest with numeric data (strings in BYTES tensors): id, parameters, inputs (flat or row-nested data) and outputs as its schema types them. */
export function isInferBody (body: unknown): boolean {
  if (!isObject(body)) return false
  const { id, parameters, inputs, outputs } = body
  if (id !== undefined && typeof id !== 'string') return false
  if (!isParameters(parameters, 'request')) return false
  if (!Array.isArray(inputs) || inputs.length < 1 || !inputs.every(isTensor)) return false
  if (outputs === undefined) return true
  return Array.isArray(outputs) && outputs.every((o) => isObject(o) && typeof o.name === 'string' && isParameters(o.parameters, 'output'))
}
