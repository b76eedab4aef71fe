/**
 * fastify-type-provider-zod (7.x) registers every named schema twice, `X` for answers and `XInput`
 * for requests, because a schema with defaults or transforms reads differently on each side: a
 * request's defaulted field is optional, and an answer has no properties besides its own
 * (`additionalProperties: false`) where a request's extra ones are dropped. Every generated client
 * carried both names, most of them for schemas that only answers use (the conformance trial's note).
 * Here, over the finished document:
 * - an `XInput` that is `X` (once the twins it refers to are merged too) is merged into it;
 * - one that no operation reaches (an answer's twin) is dropped;
 * - a request's schema that no answer uses takes the plain name (`CreateTrainingJobRequest`).
 * Only schemas used both ways keep two names: `TrainingOptionsInput` (defaults optional) is sent,
 * `TrainingOptions` (defaults filled) comes back in a job.
 */
import { isDeepStrictEqual } from 'node:util'

const PREFIX = '#/components/schemas/'
const SUFFIX = 'Input'

type Schemas = Record<string, unknown>

/** A deep copy of `value` whose references to a schema `renamed` has name the new one. */
function renameRefs (value: unknown, renamed: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => renameRefs(v, renamed))
  if (typeof value !== 'object' || value === null) return value
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value)) {
    const to = key === '$ref' && typeof v === 'string' && v.startsWith(PREFIX) ? renamed.get(v.slice(PREFIX.length)) : undefined
    out[key] = to !== undefined ? `${PREFIX}${to}` : renameRefs(v, renamed)
  }
  return out
}

/** Every schema that `value` refers to, and those they refer to. */
function reachable (value: unknown, schemas: Readonly<Schemas>, seen = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) reachable(v, schemas, seen)
  else if (typeof value === 'object' && value !== null) {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string' && v.startsWith(PREFIX)) {
        const name = v.slice(PREFIX.length)
        if (!seen.has(name)) {
          seen.add(name)
          reachable(schemas[name], schemas, seen)
        }
      } else reachable(v, schemas, seen)
    }
  }
  return seen
}

/** The twins of `schemas`: each `XInput` whose `X` exists, as [XInput, X]. */
const twins = (schemas: Readonly<Schemas>): Array<[string, string]> => Object.keys(schemas)
  .filter((name) => name.endsWith(SUFFIX) && name.slice(0, -SUFFIX.length) in schemas)
  .map((name) => [name, name.slice(0, -SUFFIX.length)])

/** The schemas the operations use (every part of the document but the schemas themselves). */
const usedSchemas = <T extends { components?: object }>(doc: T, schemas: Readonly<Schemas>): Set<string> =>
  reachable({ ...doc, components: { ...doc.components, schemas: {} } }, schemas)

/** `doc` with its references renamed and the renamed schemas under their new names, less `dropped`. */
function rewrite<T extends { components?: object }> (doc: T, renamed: ReadonlyMap<string, string>, dropped: ReadonlySet<string>): T {
  const out = renameRefs(doc, renamed) as T
  const schemas = (out.components as { schemas: Schemas }).schemas
  const entries = Object.entries(schemas).filter(([name]) => !dropped.has(name)).map(([name, schema]) => [renamed.get(name) ?? name, schema])
  ;(out.components as { schemas: Schemas }).schemas = Object.fromEntries(entries) as Schemas
  return out
}

/** The document with its schemas' twins merged, dropped or renamed as above (a new object; `doc` is not changed). */
export function mergeIdenticalInputSchemas<T extends { paths?: object, components?: object }> (doc: T): T {
  const schemas = (doc.components as { schemas?: Schemas } | undefined)?.schemas
  if (schemas === undefined) return doc
  // 1. twins alike: a twin that refers to another twin equals its base only once that one is merged, so repeat
  const merged = new Map<string, string>()
  for (let changed = true; changed;) {
    changed = false
    for (const [input, base] of twins(schemas)) {
      if (!merged.has(input) && isDeepStrictEqual(renameRefs(schemas[input], merged), schemas[base])) {
        merged.set(input, base)
        changed = true
      }
    }
  }
  const once = rewrite(doc, merged, new Set(merged.keys()))
  // 2. a twin on one side only: an unused request twin is dropped; a request schema no answer uses takes the plain name
  const onceSchemas = (once.components as { schemas: Schemas }).schemas
  const used = usedSchemas(once, onceSchemas)
  const dropped = new Set<string>()
  const renamed = new Map<string, string>()
  for (const [input, base] of twins(onceSchemas)) {
    if (!used.has(input)) dropped.add(input)
    else if (!used.has(base)) {
      dropped.add(base)
      renamed.set(input, base)
    }
  }
  return rewrite(once, renamed, dropped)
}
