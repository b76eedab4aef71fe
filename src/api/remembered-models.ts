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
  const keep = (key: string, record: ModelRecord): void => {
    memory.delete(key)
    memory.set(key, record)
    if (memory.size > capacity) memory.delete(memory.keys().next().value!)
  }
  // NUL cannot occur in a tenant, a name or an id
  const getKey = (id: string, tenant: string | undefined): string => `get\0${tenant ?? ''}\0${id}`
  const versionKey = (name: string, version: number, tenant: string | undefined): string => `version\0${tenant ?? ''}\0${name}\0${version}`
  const remembered = async (key: string, read: () => Promise<ModelRecord | null>, tenant: string | undefined): Promise<ModelRecord | null> => {
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
      keep(key, answer)
      // a record read one way answers the others too: a model resolved by name for /v1 is read by id for /v2's
      // metadata, and that read was a 503 in an outage (an operator's trial)
      keep(getKey(answer.id, tenant), answer)
      keep(versionKey(answer.name, answer.version, tenant), answer)
    }
    return answer
  }
  return {
    ...models,
    latest: (name, tenant) => remembered(`latest\0${tenant ?? ''}\0${name}`, () => models.latest(name, tenant), tenant),
    version: (name, version, tenant) => remembered(versionKey(name, version, tenant), () => models.version(name, version, tenant), tenant),
    get: (id, tenant) => remembered(getKey(id, tenant), () => models.get(id, tenant), tenant)
  }
}
