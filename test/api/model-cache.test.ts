import { describe, expect, it } from 'vitest'
import { createModelCache } from '../../src/api/model-cache.js'

describe('the predictor\'s model cache', () => {
  it('reads a model once for concurrent requests, then answers from memory with no await', async () => {
    const reads: string[] = []
    const cache = createModelCache<string>(2, async (id) => { reads.push(id); return `model ${id}` }, () => undefined)
    const a = cache.fetch('a')
    expect(cache.fetch('a')).toBe(a)
    expect(await a.promise).toBe('model a')
    expect(cache.fetch('a').loaded).toBe('model a')
    expect(reads).toEqual(['a'])
  })

  it('evicts the least recently used beyond its capacity, and tells onEvict', async () => {
    const evicted: string[] = []
    const cache = createModelCache<string>(2, async (id) => id, (id) => { evicted.push(id) })
    cache.fetch('a'); cache.fetch('b')
    cache.fetch('a') // a is now the most recently used
    cache.fetch('c')
    expect(evicted).toEqual(['b'])
    expect(cache.size).toBe(2)
    cache.forget('a')
    expect(evicted).toEqual(['b', 'a'])
    cache.clear()
    expect(cache.size).toBe(0)
    expect(evicted).toEqual(['b', 'a'])
  })

  it('does not keep a miss or a failed read: the next request reads again', async () => {
    let reads = 0
    const cache = createModelCache<string>(4, async (id) => { reads++; if (id === 'bad') throw new Error('Redis away'); return null }, () => undefined)
    expect(await cache.fetch('gone').promise).toBeNull()
    await expect(cache.fetch('bad').promise).rejects.toThrow('Redis away')
    expect(cache.size).toBe(0)
    await cache.fetch('gone').promise
    expect(reads).toBe(3)
  })
})
