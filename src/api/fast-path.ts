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

/** Exactly what ModelRefParams accepts: `{ id }` alone, a string of 1..200 characters. */
export function isModelRefParams (params: unknown): boolean {
  if (typeof params !== 'object' || params === null) return false
  let keys = 0
  for (const key in params) { if (key !== 'id') return false; keys++ }
  const id = (params as { id: unknown }).id
  return keys === 1 && typeof id === 'string' && id.length >= 1 && id.length <= 200
}

/** A route's validatorCompiler: a plain check first for each part that has one, zod for the rest and for every failure. */
export function fastValidator<S> (checks: Partial<Record<'body' | 'params', (data: unknown) => boolean>>): FastifySchemaCompiler<S> {
  return (route) => {
    // the route's schema parts are zod types: the route declares them with zod
    const zod = validatorCompiler(route as unknown as Parameters<FastifySchemaCompiler<ZodType>>[0])
    const check = route.httpPart === 'body' || route.httpPart === 'params' ? checks[route.httpPart] : undefined
    if (!check) return zod
    return (data: unknown) => (check(data) ? { value: data } : zod(data))
  }
}

export function jsonSerializer<S> (): FastifySerializerCompiler<S> {
  return () => (data: unknown) => JSON.stringify(data)
}
