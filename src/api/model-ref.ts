/**
 * Model references in URLs: an id (mdl_…), `name@latest` (the newest version) or `name@3`. A
 * reference names a model at the moment it is read: `name@latest` keeps answering while any version
 * exists, even as the newest is deleted between resolving and reading (withModelRef reads again).
 * A miss is reported with the reference as the caller wrote it, never with an id it resolved to.
 */
import { MODEL_NOT_FOUND } from '../errors.js'
import type { ModelRepository } from '../store/models.js'

const MODEL_ALIAS = /^(.+)@(latest|[1-9]\d*)$/

/** How often an alias is resolved again after the model it named vanished (each time, a version was deleted). */
const RERESOLVE = 3

/** The model id a reference names (ids never contain '@'); an unknown name or version → MODEL_NOT_FOUND (404). */
export async function resolveModelRef (models: ModelRepository, ref: string, tenant: string): Promise<string> {
  const alias = MODEL_ALIAS.exec(ref)
  if (!alias) return ref
  const [, name, version] = alias
  const record = version === 'latest' ? await models.latest(name, tenant) : await models.version(name, Number(version), tenant)
  if (!record) throw new MODEL_NOT_FOUND(ref)
  return record.id
}

/**
 * Resolves `ref` and runs `use` with the id; when `use` finds no such model (null or MODEL_NOT_FOUND)
 * because it was deleted meanwhile, resolves an alias again and retries. The final miss is
 * MODEL_NOT_FOUND(ref).
 */
export async function withModelRef<T> (models: ModelRepository, ref: string, tenant: string, use: (id: string) => Promise<T | null>): Promise<T> {
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
    if (id === ref || attempt >= RERESOLVE) throw new MODEL_NOT_FOUND(ref)
  }
}
