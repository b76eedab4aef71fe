/** Model references in URLs: an id (mdl_…), `name@latest` (the newest version) or `name@3`. */
import { MODEL_NOT_FOUND } from '../errors.js'
import type { ModelRepository } from '../store/models.js'

const MODEL_ALIAS = /^(.+)@(latest|[1-9]\d*)$/

/** The model id a reference names (ids never contain '@'); an unknown name or version → MODEL_NOT_FOUND (404). */
export async function resolveModelRef (models: ModelRepository, ref: string, tenant: string): Promise<string> {
  const alias = MODEL_ALIAS.exec(ref)
  if (!alias) return ref
  const [, name, version] = alias
  const record = version === 'latest' ? await models.latest(name, tenant) : await models.version(name, Number(version), tenant)
  if (!record) throw new MODEL_NOT_FOUND(ref)
  return record.id
}
