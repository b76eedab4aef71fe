/**
 * A model as the serving protocols name it: by name, and optionally a version (KServe v2 and TensorFlow
 * Serving URLs: `models/{name}[/versions/{v}]`). Without a version the newest is served, as a TF Serving
 * model with its default version policy (`latest`, one version) does. A name may also be any native
 * reference (an id, `name@latest`, `name@3`: model-ref.ts), so native ids work in these URLs too.
 */
import { MODEL_NOT_FOUND } from '../../errors.js'
import type { ModelRepository } from '../../store/models.js'
import { withModelRef } from '../model-ref.js'

const VERSION = /^[1-9]\d*$/
/** The shape of the ids store/models.ts gives: `mdl_` and 32 hex digits. */
const MODEL_ID = /^mdl_[0-9a-f]{32}$/

/**
 * The native reference a protocol URL names: `name@v` with a version; without, an id or a reference as
 * it is, and any other name as `name@latest`. A version that is not a positive integer is not found (404).
 */
export function servedRef (name: string, version?: string): string {
  if (version !== undefined) {
    if (!VERSION.test(version) || name.includes('@') || MODEL_ID.test(name)) throw new MODEL_NOT_FOUND(`${name}' version '${version}`)
    return `${name}@${version}`
  }
  return name.includes('@') || MODEL_ID.test(name) ? name : `${name}@latest`
}

/** `use` with the id the protocol URL names now (re-resolved as model-ref.ts does); a miss names what was asked. */
export async function withServedModel<T> (
  models: ModelRepository, name: string, version: string | undefined, tenant: string, use: (id: string) => Promise<T | null>
): Promise<T> {
  try {
    return await withModelRef(models, servedRef(name, version), tenant, use)
  } catch (err) {
    if (err instanceof MODEL_NOT_FOUND) throw new MODEL_NOT_FOUND(version === undefined ? name : `${name}' version '${version}`)
    throw err
  }
}
