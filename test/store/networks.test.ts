import { afterAll, describe, it, expect } from 'vitest'
import { createNetworkRepository } from '../../src/store/networks.js'
import { pingRedis, createRedis } from '../../src/store/redis.js'
import { testRedis } from './redis-helper.js'

const { redis, prefix, cleanup } = testRedis('networks')
afterAll(cleanup)

describe('network repository', () => {
  it('puts, gets, lists and removes definitions', async () => {
    const repo = createNetworkRepository(redis, prefix)
    const spec = { inputs: 2, layers: [{ units: 3, activation: 'relu' as const }], output: { units: 1, activation: 'sigmoid' as const } }
    const rec = await repo.put({ name: 'xor', spec })
    expect(rec).toMatchObject({ name: 'xor', spec })
    expect(await repo.get(rec.id)).toEqual(rec)
    expect((await repo.list()).map((r) => r.id)).toContain(rec.id)
    expect(await repo.remove(rec.id)).toBe(true)
    expect(await repo.get(rec.id)).toBeNull()
  })
})

describe('pingRedis', () => {
  it('is true for a live server and false, within the timeout, for a dead one', async () => {
    expect(await pingRedis(redis)).toBe(true)
    const dead = createRedis('redis://127.0.0.1:1', { lazyConnect: false })
    dead.on('error', () => undefined)
    const started = Date.now()
    expect(await pingRedis(dead, 200)).toBe(false)
    expect(Date.now() - started).toBeLessThan(1000)
    dead.disconnect()
  })
})
