/**
 * The one reading of a model reference, for every route and field that names a model (URLs' `:id`,
 * the serving protocols' names, a job's initialModelId):
 *   - `name@3`       version 3 of the name;
 *   - `name@latest`  its newest version;
 *   - `mdl_…`        an id (names may not start with the id prefix: schemas/model-name.ts);
 *   - `name`         a bare name: its newest version, as `name@latest` (TF Serving's and KServe's
 *                    reading of a model name without a version). Reads only: DELETE refuses it, since
 *                    the newest version is not all a name holds.
 * A reference names a model at the moment it is read: `name@latest` keeps answering while any version
 * exists, even as the newest is deleted between resolving and reading (withModelRef reads again).
 * A miss is reported with the reference as the caller wrote it, never with an id it resolved to.
 */
import { MODEL_NOT_FOUND, modelVersionNotFound } from '../errors.js'
import { MODEL_ID_PREFIX } from '../schemas/model-name.js'
import type { ModelRepository } from './models.js'

export type ModelRef =
  | { readonly kind: 'id', readonly id: string }
  | { readonly kind: 'version', readonly name: string, readonly version: number }
  /** bare: the reference was the name alone */
  | { readonly kind: 'latest', readonly name: string, readonly bare: boolean }

// greedy: a name stored before the name rule may itself hold '@' (`a@b@latest`)
// `latest` in any case, as the name rule reserves it in any case (schemas/model-name.ts)
const MODEL_ALIAS = /^(.+)@(latest|[1-9]\d*)$/i

/** What `ref` names (no lookup). Anything that is neither an alias nor an id is a bare name, so a stored name with '@' in it still reads. */
export function parseModelRef (ref: string): ModelRef {
  const alias = MODEL_ALIAS.exec(ref)
  if (alias) return alias[2].toLowerCase() === 'latest' ? { kind: 'latest', name: alias[1], bare: false } : { kind: 'version', name: alias[1], version: Number(alias[2]) }
  if (ref.startsWith(MODEL_ID_PREFIX)) return { kind: 'id', id: ref }
  return { kind: 'latest', name: ref, bare: true }
}

/** How often an alias is resolved again after the model it named vanished (each time, a version was deleted). */
const RERESOLVE = 3

/**
 * The model id a reference names; an unknown name → MODEL_NOT_FOUND(ref) (404), an unknown version of a known
 * name → MODEL_NOT_FOUND naming its newest version (modelVersionNotFound). An id is not looked up.
 */
export async function resolveModelRef (models: ModelRepository, ref: string, tenant: string | undefined): Promise<string> {
  const parsed = parseModelRef(ref)
  if (parsed.kind === 'id') return parsed.id
  const record = parsed.kind === 'latest' ? await models.latest(parsed.name, tenant) : await models.version(parsed.name, parsed.version, tenant)
  if (record) return record.id
  if (parsed.kind === 'version') {
    // a version of a name that has others: say which is newest, rather than that nothing of the name exists
    const newest = await models.latest(parsed.name, tenant)
    if (newest) throw modelVersionNotFound(parsed.name, String(parsed.version), newest.version)
  }
  // names cannot hold '@' (schemas/model-name.ts): `iris@abc`, `iris@0` meant a version
  const at = ref.lastIndexOf('@')
  if (parsed.kind === 'latest' && parsed.bare && at > 0) {
    const err = new MODEL_NOT_FOUND(ref)
    err.message = `model '${ref}' not found: after '@' comes a version number or latest (${ref.slice(0, at)}@3, ${ref.slice(0, at)}@latest)`
    throw err
  }
  throw new MODEL_NOT_FOUND(ref)
}

/**
 * Resolves `ref` and runs `use` with the id; when `use` finds no such model (null or MODEL_NOT_FOUND)
 * because it was deleted meanwhile, resolves a name again and retries. The final miss is
 * MODEL_NOT_FOUND(ref).
 */
export async function withModelRef<T> (models: ModelRepository, ref: string, tenant: string | undefined, use: (id: string) => Promise<T | null>): Promise<T> {
  const byId = parseModelRef(ref).kind === 'id'
  for (let attempt = 0; ; attempt++) {
    const id = await resolveModelRef(models, ref, tenant)
    let result: T | null
    try {
      result = await use(id)
    } catch (err) {
      if (!(err instanceof MODEL_NOT_FOUND)) throw err
      result = null
    }
    if (result !== null) return result
    if (byId || attempt >= RERESOLVE) throw new MODEL_NOT_FOUND(ref)
  }
}
