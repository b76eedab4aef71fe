/**
 * A model as the serving protocols name it: by name, and optionally a version (KServe v2 and TensorFlow
 * Serving URLs: `models/{name}[/versions/{v}]`). Without a version the name is read as every native
 * reference is (store/model-ref.ts): a bare name is its newest version, as a TF Serving model with its
 * default version policy (`latest`, one version) serves, and an id or `name@3` work too.
 */
import { MODEL_NOT_FOUND, type ProblemError } from '../../errors.js'
import type { ModelRepository } from '../../store/models.js'
import { parseModelRef, withModelRef } from '../../store/model-ref.js'

/** A positive integer, leading zeros allowed: Triton and TF Serving read a URL's version as an int64, so /versions/02 is version 2. */
const VERSION = /^0*([1-9]\d*)$/

/**
 * The native reference a protocol URL names: `name@v` with a version, else the name as it is. A version
 * that is not a positive integer, or one given to something that is not a bare name, is not found (404).
 */
export function servedRef (name: string, version?: string): string {
  if (version === undefined) return name
  const ref = parseModelRef(name)
  const number = VERSION.exec(version)?.[1]
  if (number === undefined || ref.kind !== 'latest' || !ref.bare) throw new MODEL_NOT_FOUND(`${name}' version '${version}`)
  return `${name}@${number}`
}

/** `use` with the id the protocol URL names now (re-resolved as model-ref.ts does); a miss names what was asked. */
export async function withServedModel<T> (
  models: ModelRepository, name: string, version: string | undefined, tenant: string, use: (id: string) => Promise<T | null>
): Promise<T> {
  try {
    return await withModelRef(models, servedRef(name, version), tenant, use)
  } catch (err) {
    // the protocol's words for a reference it built (`iris@7` → version '7'), unless the miss already names the newest version
    if (err instanceof MODEL_NOT_FOUND && (err as ProblemError).problem?.newestVersion === undefined) throw new MODEL_NOT_FOUND(version === undefined ? name : `${name}' version '${version}`)
    throw err
  }
}
