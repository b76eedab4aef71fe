/**
 * What a pool thread does with one message. The leader runs the core's training loop with a
 * batch gradient that fans shards out to the helpers through shared memory; helpers loop on the
 * control block until the leader stops the job. Synchronous: it blocks its thread, never the
 * main thread. Testable without threads by passing a `post` function.
 */
import { train, type TrainHooks } from '../nn/train.js'
import { predictSlice } from './predict-slice.js'
import type { BatchGradient } from '../nn/gradient.js'
import { finishGradients } from '../nn/network.js'
import { computeShards, reduceChunks, shardContext, shardCount, type ShardContext } from './shard-worker.js'
import { ABORT, COMPUTE, DONE, EPOCH, FAIL, NEXT_TASK, PHASE, REDUCE, ROWS, SEQ, STOP, type FromThread, type ToThread } from './protocol.js'

export type Post = (msg: FromThread) => void

export function handle (msg: ToThread, post: Post): void {
  if (msg.cmd === 'help') help(shardContext(msg.job), msg.rank)
  else if (msg.cmd === 'predict') guarded(post, () => predictSlice(msg.slice))
  else lead(msg, post)
}

function guarded (post: Post, work: () => void): void {
  try {
    work()
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err))
    post({ type: 'failed', message: e.message, name: e.name })
  }
}

let steps = 0 // per-thread minibatch counter, for fault injection only

function maybeFail (c: ShardContext, rank: number): void {
  const f = c.job.fault
  if (f && f.rank === rank && ++steps === f.atStep) {
    if (f.kind === 'exit') process.exit(1)
    throw new Error(`injected fault in thread ${rank} at minibatch ${f.atStep}`)
  }
}

function help (c: ShardContext, rank: number): void {
  // the control block is fresh per job, so SEQ starts at 0; the leader may already have bumped it
  let seen = 0
  steps = 0
  for (;;) {
    Atomics.wait(c.control, SEQ, seen, 1000)
    if (Atomics.load(c.control, STOP) !== 0) return
    const seq = Atomics.load(c.control, SEQ)
    if (seq === seen) continue
    seen = seq
    if (Atomics.load(c.control, PHASE) === REDUCE) reduceChunks(c)
    else { maybeFail(c, rank); computeShards(c, rank, c.job.threads) }
    Atomics.add(c.control, DONE, 1)
    Atomics.notify(c.control, DONE)
  }
}

/** Starts a phase on the helpers, does rank 0's share of it, and waits for the others. */
function runPhase (c: ShardContext, phase: number, own: () => void): void {
  const T = c.job.threads
  Atomics.store(c.control, PHASE, phase)
  Atomics.store(c.control, DONE, 0)
  Atomics.store(c.control, NEXT_TASK, 0) // before the bump: no helper claims a task of this phase earlier
  Atomics.add(c.control, SEQ, 1)
  Atomics.notify(c.control, SEQ)
  own()
  for (let d = Atomics.load(c.control, DONE); d < T - 1; d = Atomics.load(c.control, DONE)) {
    if (Atomics.load(c.control, FAIL) !== 0) throw new Error('a training thread stopped unexpectedly; the run was abandoned')
    Atomics.wait(c.control, DONE, d, 100)
  }
}

/**
 * The leader's BatchGradient: publish the minibatch, compute the shards on all threads, then
 * (with several threads) reduce them on all threads, chunk by chunk of the parameters; in both
 * phases each thread claims the next shard or chunk when it is free.
 */
function parallelGradient (c: ShardContext, trainRows: Int32Array | null): BatchGradient {
  const T = c.job.threads
  return (index, from, to, grads, epoch) => {
    const rows = to - from
    for (let i = from; i < to; i++) c.index[i - from] = trainRows ? trainRows[index[i]] : index[i]
    Atomics.store(c.control, ROWS, rows)
    Atomics.store(c.control, EPOCH, epoch)
    runPhase(c, COMPUTE, () => { maybeFail(c, 0); computeShards(c, 0, T) })
    // alone, the shards were accumulated into slot 0 already (see computeShards)
    if (T > 1) runPhase(c, REDUCE, () => reduceChunks(c))
    grads.set(c.shardViews[0])
    if (T === 1) finishGradients(c.net, grads, rows, c.kernels)
    let loss = 0, correct = 0
    for (let s = 0; s < shardCount(rows); s++) {
      loss += c.stats[2 * s]
      correct += c.stats[2 * s + 1]
    }
    return { loss, correct }
  }
}

function lead (msg: Extract<ToThread, { cmd: 'lead' }>, post: Post): void {
  const c = shardContext(msg.job)
  steps = 0
  let lastCheckpoint = Date.now()
  let sinceCheckpoint = 0
  const hooks: TrainHooks = {
    signal: { get aborted () { return Atomics.load(c.control, ABORT) !== 0 } },
    resume: msg.resume,
    initialParams: msg.initialParams,
    kernels: c.kernels,
    // the core's loop updates the shared weights in place, so helpers read them with no copy per step
    paramsBuffer: c.net.params,
    gradient: (_net, _train, trainRows) => parallelGradient(c, trainRows),
    onEpoch: (stats, state) => {
      post({ type: 'epoch', stats })
      sinceCheckpoint++
      const { everyEpochs, everySeconds } = msg.checkpoint
      if ((everyEpochs > 0 && sinceCheckpoint >= everyEpochs) || (everySeconds > 0 && Date.now() - lastCheckpoint >= everySeconds * 1000)) {
        post({ type: 'checkpoint', state: state() })
        sinceCheckpoint = 0
        lastCheckpoint = Date.now()
      }
    }
  }
  try {
    const result = train(msg.job.spec, c.data, msg.options, hooks)
    post({ type: 'done', result })
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err))
    post({ type: 'failed', message: e.message, name: e.name })
  } finally {
    Atomics.store(c.control, STOP, 1)
    Atomics.notify(c.control, SEQ)
  }
}

