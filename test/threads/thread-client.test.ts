import { afterEach, describe, expect, it } from 'vitest'
import { leastBusy, ThreadClient, type ThreadClientOptions } from '../../src/threads/thread-client.js'
import type { EchoRequest } from './echo-thread.js'

const entry = new URL('./echo-thread-from-source.mjs', import.meta.url)
const open: Array<ThreadClient<EchoRequest, Float32Array | undefined>> = []
const client = (opts: Partial<ThreadClientOptions> = {}): ThreadClient<EchoRequest, Float32Array | undefined> => {
  const c = new ThreadClient<EchoRequest, Float32Array | undefined>({ entry, name: 'the echo thread', ...opts })
  open.push(c)
  return c
}
afterEach(async () => { await Promise.all(open.splice(0).map((c) => c.close())) })

describe('ThreadClient', () => {
  it('answers each request, moving the buffers listed for transfer', async () => {
    const c = client()
    const x = Float32Array.of(1, 2, 3)
    const pending = c.request({ op: 'double', x }, [x.buffer])
    expect(x.byteLength).toBe(0) // moved, not copied
    expect(c.pending).toBe(1)
    expect(Array.from((await pending)!)).toEqual([2, 4, 6])
    expect(c.pending).toBe(0)
    // concurrent requests each get their own answer
    const many = await Promise.all([1, 2, 3].map((v) => c.request({ op: 'double', x: Float32Array.of(v) })))
    expect(many.map((o) => o![0])).toEqual([2, 4, 6])
  })

  it('rejects with the thread\'s error, its code, status and problem fields intact, and the thread goes on', async () => {
    const c = client()
    const err = await c.request({ op: 'throw' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Error)
    expect(err).toMatchObject({ name: 'RangeError', message: 'row 3 is wrong', code: 'NN_ERR_TEST', statusCode: 422, problem: { row: 3 } })
    expect(Array.from((await c.request({ op: 'double', x: Float32Array.of(5) }))!)).toEqual([10])
    const wrapped = client({ revive: (e) => new Error(`it failed: ${e.message}`) })
    await expect(wrapped.request({ op: 'throw' })).rejects.toThrow('it failed: row 3 is wrong')
  })

  it('a thread that exits fails what waits, says it was lost, and the next request starts a new thread', async () => {
    let lost = 0
    const c = client({ onLost: () => { lost++ } })
    await expect(c.request({ op: 'exit' })).rejects.toThrow('the echo thread stopped')
    expect(lost).toBe(1)
    expect(c.running).toBe(false)
    expect(Array.from((await c.request({ op: 'double', x: Float32Array.of(1) }))!)).toEqual([2])
    // an error thrown on a notification crashes the thread the same way (messages are handled in order)
    c.notify({ op: 'crash' })
    await expect(c.request({ op: 'double', x: Float32Array.of(1) })).rejects.toThrow(/the echo thread (failed: crashed on a notification|stopped)/)
    expect(lost).toBe(2)
  })

  it('a request that outlives its timeout rejects, and the stuck thread is replaced', async () => {
    // generous: the limit also covers starting the thread (loading tsx) on a busy machine
    const c = client({ timeoutMs: 3000 })
    await expect(c.request({ op: 'block' })).rejects.toThrow('the echo thread did not answer within 3000 ms')
    expect(Array.from((await c.request({ op: 'double', x: Float32Array.of(4) }))!)).toEqual([8])
  })

  it('close() rejects what waits and is idempotent', async () => {
    const c = client()
    const rejected = expect(c.request({ op: 'block' })).rejects.toThrow('the echo thread was closed')
    await c.close()
    await rejected
    await c.close()
  })

  it('leastBusy picks the client with the fewest requests waiting, the first on ties', () => {
    const a = { pending: 2 }, b = { pending: 1 }, c = { pending: 1 }
    expect(leastBusy([a, b, c])).toBe(b)
    expect(leastBusy([a])).toBe(a)
  })
})
