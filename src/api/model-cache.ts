/**
 * The predictor's cache of models by id: a least-recently-used map of reads. A hit returns the entry
 * at once, and a loaded one needs no await; a miss starts one read that concurrent requests share. A
 * miss or a failed read is not cached, so the next request looks again. Evicting calls `onEvict` (the
 * forward threads drop the model too). Knows nothing of what is cached.
 */

/** A cache entry: the read of a model, and the model itself once read. */
export interface CacheEntry<T> { readonly promise: Promise<T | null>, loaded?: T }

export interface ModelCache<T> {
  /** The entry of `id`, read through `read` on a miss; marks it most recently used. */
  fetch (id: string): CacheEntry<T>
  /** The loaded value of `id`, if it is cached and loaded: no read, no change of order. */
  peek (id: string): T | undefined
  /** Drops `id` (and tells onEvict). */
  forget (id: string): void
  /** Drops every entry (onEvict is not called: the caller clears what it holds besides). */
  clear (): void
  readonly size: number
}

export function createModelCache<T> (capacity: number, read: (id: string) => Promise<T | null>, onEvict: (id: string) => void): ModelCache<T> {
  // Map keeps insertion order: re-inserting on use makes the first key the least recently used
  const cache = new Map<string, CacheEntry<T>>()
  /** the last key inserted: a hit on it needs no re-insertion (the common case, one hot model) */
  let newest: string | undefined

  const forget = (id: string): void => {
    cache.delete(id)
    onEvict(id)
  }

  return {
    get size () { return cache.size },
    forget,
    clear () { cache.clear() },
    peek (id) { return cache.get(id)?.loaded },
    fetch (id) {
      const entry = cache.get(id)
      if (entry) {
        if (id !== newest) {
          cache.delete(id)
          cache.set(id, entry)
          newest = id
        }
        return entry
      }
      const promise = read(id)
      const created: CacheEntry<T> = { promise }
      promise.then((m) => {
        if (m === null) cache.delete(id)
        else created.loaded = m
      }, () => cache.delete(id))
      cache.set(id, created)
      newest = id
      while (cache.size > capacity) forget(cache.keys().next().value!)
      return created
    }
  }
}
