/**
 * One plain 400 for the protocol bodies' common shape mistakes, checked before the schema (a
 * preValidation hook), where zod would say something per value ("instances[0]: …; instances[1]: …") or
 * name no key to send: a flat list of values where rows are expected, a member the protocol does not
 * have (`input` for `inputs`), the other protocol's body. Any other body goes on to zod unchanged.
 */
import type { preValidationAsyncHookHandler } from 'fastify'
import { VALIDATION, withProblem } from '../../errors.js'
import { flatRowsMessage } from '../prediction-input.js'
import { TFS_INPUT } from '../../schemas/tf-serving.js'
import { quotedStart } from '../../schemas/messages.js'

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const bad = (field: string, message: string): Error => withProblem(new VALIDATION(message), { field })

const TFS_BODY = 'TensorFlow Serving\'s predict body is {"instances": [[…], …]} (row form: rows, or records keyed by feature name) or {"inputs": …} (columnar form)'
const INFER_BODY = 'the Open Inference Protocol\'s infer body is {"inputs": [{"name": "input", "shape": [rows, features], "datatype": "FP32", "data": […]}, …]}'

/** ` (did you mean 'inputs'?)` for a near miss of one of `keys`. */
/** A member quoted in a message, its start alone when long (a 10,000-character key came back whole). */
const quotedMember = (key: string): string => quotedStart(key, (s) => `'${s}'`)

function nearMiss (key: string, keys: readonly string[]): string {
  const near = keys.find((k) => k.toLowerCase() === key.toLowerCase() || k === `${key}s` || `${k}s` === key)
  return near === undefined ? '' : ` (did you mean '${near}'?)`
}

/** The message for a TF Serving predict body's shape mistake, or undefined to let the schema judge it. */
export function tfsBodyMessage (body: unknown): { field: string, message: string } | undefined {
  if (!isObject(body)) return undefined
  const unknown = Object.keys(body).find((k) => k !== 'instances' && k !== 'inputs' && k !== 'signature_name')
  if (unknown !== undefined) return { field: unknown, message: `unknown member ${quotedMember(unknown)}${nearMiss(unknown, ['instances', 'inputs'])}: ${TFS_BODY}` }
  if (body.instances === undefined && body.inputs === undefined) return { field: 'instances', message: `the body has neither instances nor inputs: ${TFS_BODY}` }
  const flat = flatRowsMessage(body, ['instances', 'inputs'])
  if (flat !== undefined) return { field: body.instances === undefined ? 'inputs' : 'instances', message: flat }
  if (Array.isArray(body.instances)) {
    // an instance's member is a feature's value, never a list
    for (const [r, instance] of body.instances.entries()) {
      const key = isObject(instance) ? misnamed(instance, Array.isArray) : undefined
      if (key !== undefined) return misnamedInput(`instances[${r}].${key}`, `{"instances": [{"${TFS_INPUT}": [5.1, …]}]}`)
    }
  }
  if (isObject(body.inputs)) {
    // a column's values are a feature's, never lists
    // ({"b64": …} is a value: TF Serving's form of a binary one)
    const key = misnamed(body.inputs, (v) => Array.isArray(v) && v.some((x) => Array.isArray(x) || (isObject(x) && !isB64(x))))
    if (key !== undefined) return misnamedInput(`inputs.${key}`, `{"inputs": {"${TFS_INPUT}": [[5.1, …]]}}`)
  }
  return undefined
}

/** TF Serving's `{"b64": "…"}` value (schemas/tf-serving.ts reads it). */
const isB64 = (x: Record<string, unknown>): boolean => Object.keys(x).length === 1 && typeof x.b64 === 'string'

/** The first member other than the signature's input whose value `misplaced` says no feature's can be. */
const misnamed = (record: Record<string, unknown>, misplaced: (v: unknown) => boolean): string | undefined =>
  Object.keys(record).find((k) => k !== TFS_INPUT && misplaced(record[k]))

/** Rows under another name than the signature's input (`{"inputs": [5.1, …]}` as an instance): where, and what to send. */
const misnamedInput = (field: string, example: string): { field: string, message: string } => ({
  field,
  message: `${field}: a feature's value is a number, a string or null, not a list; for a model with numeric features, send each row under the signature's input "${TFS_INPUT}" (${example}) or as a plain list; GET …/metadata lists the inputs`
})

/** The message for an infer body's shape mistake, or undefined to let the schema judge it. */
export function inferBodyMessage (body: unknown): { field: string, message: string } | undefined {
  if (!isObject(body)) return undefined
  const unknown = Object.keys(body).find((k) => k !== 'id' && k !== 'parameters' && k !== 'inputs' && k !== 'outputs')
  if (unknown !== undefined && body.inputs === undefined) {
    const other = unknown === 'instances' ? ' (instances is TensorFlow Serving\'s: POST /v1/models/{name}:predict takes it)' : nearMiss(unknown, ['inputs'])
    return { field: unknown, message: `unknown member ${quotedMember(unknown)}${other}: ${INFER_BODY}` }
  }
  if (body.inputs === undefined) return { field: 'inputs', message: `the body has no inputs: ${INFER_BODY}` }
  const { inputs } = body
  if (Array.isArray(inputs) && inputs.length > 0 && inputs.every((t) => !isObject(t))) {
    return { field: 'inputs', message: `inputs is a list of tensors, not of values: ${INFER_BODY}` }
  }
  return undefined
}

/** The preValidation hook that answers `message(body)` as a 400 when it has one. */
export const bodyHints = (message: (body: unknown) => { field: string, message: string } | undefined): preValidationAsyncHookHandler =>
  async (request) => {
    const hint = message(request.body)
    if (hint) throw bad(hint.field, hint.message)
  }
