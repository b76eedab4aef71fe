/**
 * The prediction route's hot path. zod stays the contract (OpenAPI, error messages): a body (or
 * params) that passes a plain-loop check of the same shape is accepted without zod's work, and any
 * other goes to zod, so the 400s are exactly what they would be anyway. Responses the route
 * builds itself are written with JSON.stringify, skipping a re-validation of every number.
 */
import type { FastifySchemaCompiler, FastifySerializerCompiler } from 'fastify'
import { validatorCompiler } from 'fastify-type-provider-zod'
import type { ZodType } from 'zod'
import { MAX_PREDICT_ROWS } from '../schemas/model.js'
import { printable } from '../schemas/common.js'

/** Exactly what PredictRequest accepts: `{ inputs }` alone, 1..MAX rows, each an array of finite numbers. */
export function isPredictBody (body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false
  let keys = 0
  for (const key in body) { if (key !== 'inputs') return false; keys++ }
  if (keys !== 1) return false
  const rows = (body as { inputs: unknown }).inputs
  if (!Array.isArray(rows) || rows.length < 1 || rows.length > MAX_PREDICT_ROWS) return false
  for (const row of rows) {
    if (!Array.isArray(row)) return false
    for (let i = 0; i < row.length; i++) if (typeof row[i] !== 'number' || !Number.isFinite(row[i])) return false
  }
  return true
}

const DATASET_KEYS = new Set(['name', 'features', 'targets', 'featureNames', 'targetNames'])
const isCells = (row: unknown): boolean => {
  if (!Array.isArray(row)) return false
  for (let i = 0; i < row.length; i++) {
    const v: unknown = row[i]
    if (!(v === null || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= 200))) return false
  }
  return true
}
const isLabel = (v: unknown): boolean => typeof v === 'string' && v.length >= 1 && v.length <= 200
const isNumbers = (row: unknown): boolean => {
  if (!Array.isArray(row)) return false
  for (let i = 0; i < row.length; i++) if (typeof row[i] !== 'number' || !Number.isFinite(row[i])) return false
  return true
}

/**
 * What CreateDatasetJson accepts and leaves unchanged (a name with spaces around it, which zod trims,
 * is left to zod): JSON rows of numbers, targets as numbers, labels or number arrays, optional names.
 */
export function isDatasetJson (body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false
  for (const key in body) if (!DATASET_KEYS.has(key)) return false
  const { name, features, targets, featureNames, targetNames } = body as Record<string, unknown>
  if (name !== undefined && !(isLabel(name) && (name as string).trim() === name && printable(name as string))) return false
  if (!Array.isArray(features) || features.length === 0 || !features.every(isCells)) return false
  if (!Array.isArray(targets) || targets.length === 0) return false
  for (const t of targets) {
    if (!((typeof t === 'number' && Number.isFinite(t)) || isLabel(t) || (Array.isArray(t) && t.length > 0 && isNumbers(t)))) return false
  }
  for (const names of [featureNames, targetNames]) if (names !== undefined && !(Array.isArray(names) && names.every(isLabel))) return false
  return true
}

/** Exactly what ModelRefParams accepts: `{ id }` alone, a string of 1..200 characters. */
export function isModelRefParams (params: unknown): boolean {
  if (typeof params !== 'object' || params === null) return false
  let keys = 0
  for (const key in params) { if (key !== 'id') return false; keys++ }
  const id = (params as { id: unknown }).id
  return keys === 1 && typeof id === 'string' && id.length >= 1 && id.length <= 200
}

type Part = 'body' | 'params' | 'querystring'

/**
 * A route's validatorCompiler: a plain check first for each part that has one, zod for the rest and for
 * every failure. `before` may answer a common mistake with one plain error of its own before zod lists
 * every value (it then gets fastify's 400, with that error's message and problem fields).
 */
export function fastValidator<S> (checks: Partial<Record<Part, (data: unknown) => boolean>>, before: Partial<Record<Part, (data: unknown) => Error | undefined>> = {}): FastifySchemaCompiler<S> {
  return (route) => {
    // the route's schema parts are zod types: the route declares them with zod
    const zod = validatorCompiler(route as unknown as Parameters<FastifySchemaCompiler<ZodType>>[0])
    const part = route.httpPart as Part
    const check = checks[part]
    const early = before[part]
    if (!check) return zod
    return (data: unknown) => {
      if (check(data)) return { value: data }
      const error = early?.(data)
      return error ? { error } : zod(data)
    }
  }
}

/**
 * The route's body validation for a body parsed after fastify's validation ran (a large body read
 * late): the plain check, else zod; a failure throws the error fastify gives a failed validation,
 * which the error handler renders as exactly the same problem.
 */
export function lateBodyValidator<T> (schema: ZodType, url: string, check: (body: unknown) => boolean): (data: unknown) => T {
  const zod = validatorCompiler({ schema, method: 'POST', url, httpPart: 'body' })
  return (data) => {
    if (check(data)) return data as T
    const result = zod(data) as { value?: T, error?: unknown }
    if (result.error !== undefined) throw Object.assign(new Error('body validation failed'), { statusCode: 400, validation: result.error, validationContext: 'body' })
    return result.value as T
  }
}

export function jsonSerializer<S> (): FastifySerializerCompiler<S> {
  return () => (data: unknown) => JSON.stringify(data)
}
