import { describe, it, expect } from 'vitest'
import { sharedJob } from '../../src/engine/engine.js'
import { computeShards, reduceChunks, shardContext, shardCount } from '../../src/engine/shard-worker.js'
import { DONE, EPOCH, ROWS } from '../../src/engine/protocol.js'
import { claimTask, closeTasks, openTasks } from '../../src/engine/task-counter.js'
import { createNetwork } from '../../src/nn/network.js'
import { sequentialGradient } from '../../src/nn/gradient.js'
import { parameterCount, type NetworkSpec } from '../../src/nn/spec.js'
import { tsKernels } from '../../src/nn/ops.js'
import { classificationFixture } from '../support/fixtures.js'

// The engine's phases hand out shards and parameter chunks to whichever thread is free (NEXT_TASK),
// so a thread the OS preempts does not hold up a fixed share. Driven here in one thread: rank 0 of a
// 2-thread job, alone, must be able to finish the whole minibatch, and the result must be the
// sequential reference's bits (a fixed s mod T split would leave the odd shards' slots unwritten).
const digits = classificationFixture('digits.csv', 1 / 16).data
const spec: NetworkSpec = { inputs: 64, layers: [{ units: 24, activation: 'relu' }], output: { units: 10, activation: 'softmax' }, l2: 1e-4 }
const bits = (v: ArrayLike<number>): string => Buffer.from(Float32Array.from(v).buffer).toString('hex')

describe('work claiming in the shard phases', () => {
  it('one thread of a 2-thread job computes every shard and chunk when the other claims none: the sequential bits', () => {
    const rows = 100, seed = 5
    const job = sharedJob(spec, digits, rows, 2, 'ts', seed)
    const initial = createNetwork(spec, { seed }).params as Float32Array
    new Float32Array(job.params).set(initial)
    const c = shardContext(job)
    const index = Int32Array.from({ length: rows }, (_, i) => (i * 7) % digits.rows)
    c.index.set(index)
    Atomics.store(c.control, ROWS, rows)
    Atomics.store(c.control, EPOCH, 0)

    const S = shardCount(rows)
    openTasks(c.control, 1)
    computeShards(c, 1, 0, 2)
    // rank 0 claimed and finished every shard; the late rank 1 finds none left
    expect(Atomics.load(c.control, DONE)).toBe(S)
    computeShards(c, 1, 1, 2)
    expect(Atomics.load(c.control, DONE)).toBe(S)

    closeTasks(c.control)
    Atomics.store(c.control, DONE, 0)
    openTasks(c.control, 2)
    reduceChunks(c, 2)
    expect(Atomics.load(c.control, DONE)).toBe(1) // 634 parameters: one chunk

    const want = new Float32Array(parameterCount(spec))
    const net = createNetwork(spec, { params: initial.slice() })
    sequentialGradient(net, digits, tsKernels, seed)(index, 0, rows, want, 0)
    expect(bits(c.shardViews[0])).toBe(bits(want))
  })
})

describe('the task counter', () => {
  it('hands each task of a phase out once, and none of a closed phase or of another phase', () => {
    const control = new Int32Array(new SharedArrayBuffer(4 * 16))
    openTasks(control, 7)
    expect([0, 1, 2].map(() => claimTask(control, 7, 3))).toEqual([0, 1, 2])
    expect(claimTask(control, 7, 3)).toBe(-1)
    expect(claimTask(control, 7, 5)).toBe(3) // more rows read: the next index, still this phase's
    // a helper that read seq 7 and slept: the leader closed it and opened 8
    closeTasks(control)
    expect(claimTask(control, 7, 3)).toBe(-1)
    openTasks(control, 8)
    expect(claimTask(control, 7, 3)).toBe(-1)
    expect(claimTask(control, 8, 3)).toBe(0)
  })
})
