/**
 * The model repository as the prediction routes read it: what resolves a reference (`latest`,
 * `version`) and a model's record (`get`) is remembered from each answer, and given from memory while
 * Redis is away (`down()`, or a read that failed for want of it). With the predictor's own cache of
 * weights, a model this API process has served keeps answering through a Redis outage, as TF Serving
 * serves what it has loaded. The answers are those of the moment Redis went away: a version published
 * or deleted during the outage is not seen until it returns. Every other method is the store's own.
 */
import type { ModelRecord, ModelRepository } from '../store/models.js'
import { isConnectionError } from '../store/redis-health.js'

/** Remembered answers, least recently used first out. */
const CAPACITY = 10_000

export function rememberingModels (models: ModelRepository, down: () => boolean, capacity = CAPACITY): ModelRepository {
  const memory = new Map<string, ModelRecord>()
  const remembered = async (key: string, read: () => Promise<ModelRecord | null>): Promise<ModelRecord | null> => {
    const known = memory.get(key)
    if (known !== undefined && down()) return known
    let answer: ModelRecord | null
    try {
      answer = await read()
    } catch (err) {
      if (known !== undefined && (isConnectionError(err) || down())) return known
      throw err
    }
    memory.delete(key)
    if (answer !== null) {
      memory.set(key, answer)
      if (memory.size > capacity) memory.delete(memory.keys().next().value!)
    }
    return answer
  }
  // NUL cannot occur in a tenant, a name or an id
  return {
    ...models,
    latest: (name, tenant) => remembered(`latest\0${tenant ?? ''}\0${name}`, () => models.latest(name, tenant)),
    version: (name, version, tenant) => remembered(`version\0${tenant ?? ''}\0${name}\0${version}`, () => models.version(name, version, tenant)),
    get: (id, tenant) => remembered(`get\0${tenant ?? ''}\0${id}`, () => models.get(id, tenant))
  }
}
