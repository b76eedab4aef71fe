import { describe, expect, it } from 'vitest'
import { coalesced } from '../../src/api/coalesced.js'

/** A run that waits until released, counting how many began. */
function gatedRuns () {
  const releases: Array<() => void> = []
  let began = 0
  const run = (): Promise<void> => new Promise<void>((resolve) => { began++; releases.push(resolve) })
  const releaseNext = async (): Promise<void> => {
    while (releases.length === 0) await new Promise((resolve) => setImmediate(resolve))
    releases.shift()!()
  }
  return { run, releaseNext, began: () => began }
}

describe('coalesced', () => {
  it('runs once for a call, and once more however many calls came while it ran', async () => {
    const g = gatedRuns()
    const read = coalesced(g.run)
    const first = read()
    const during = Array.from({ length: 1000 }, () => read())
    expect(g.began()).toBe(1)
    await g.releaseNext() // the first run ends; the calls made during it start one more
    await g.releaseNext()
    await Promise.all([first, ...during])
    expect(g.began()).toBe(2)
  })

  it('answers a caller only after a run that began after its call', async () => {
    const g = gatedRuns()
    const read = coalesced(g.run)
    void read()
    let answered = false
    const late = read().then(() => { answered = true })
    await g.releaseNext()
    await new Promise((resolve) => setImmediate(resolve))
    expect(answered).toBe(false) // the run in flight when it asked began before: it may have missed what the caller saw
    await g.releaseNext()
    await late
    expect(answered).toBe(true)
  })

  it('rejects the callers of a failed run, and the next call runs again', async () => {
    let calls = 0
    const read = coalesced(async () => { calls++; if (calls === 1) throw new Error('Redis away') })
    await expect(read()).rejects.toThrow('Redis away')
    await expect(read()).resolves.toBeUndefined()
    expect(calls).toBe(2)
  })
})
