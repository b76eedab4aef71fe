/**
 * What a pool thread does with one message. The leader runs the core's training loop with a
 * batch gradient that fans shards out to the helpers through shared memory; helpers loop on the
 * control block until the leader stops the job. Synchronous: it blocks its thread, never the
 * main thread. Testable without threads by passing a `post` function.
 */
import { train, type TrainHooks } from '../nn/train.js'
import { predictChunks } from './predict-chunks.js'
import type { BatchGradient } from '../nn/gradient.js'
import type { Optimizer } from '../nn/optimizers.js'
import type { Vec } from '../nn/vec.js'
import { finishGradients } from '../nn/network.js'
import { computeShards, reduceChunks, shardContext, shardCount, type ShardContext } from './shard-worker.js'
import { ABORT, COMPUTE, DONE, EPOCH, FAIL, FINISH, REDUCE_CHUNK, ROWS, SEQ, STEP, STOP, phaseOf, type FromThread, type ToThread } from './protocol.js'
import { closeTasks, openTasks } from './task-counter.js'
import { PhaseClock } from './phase-times.js'
import { waitWhileEqual } from './spin-wait.js'

export type Post = (msg: FromThread) => void

export function handle (msg: ToThread, post: Post): void {
  if (msg.cmd === 'help') help(shardContext(msg.job), msg.rank)
  else if (msg.cmd === 'predict') guarded(post, () => predictChunks(msg.batch))
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

function help (c: ShardContext, rank: number): void {
  // the control block is fresh per job, so SEQ starts at 0; the leader may already have bumped it
  let seen = 0
  const T = c.job.threads
  for (;;) {
    waitWhileEqual(c.control, SEQ, seen, 1000)
    if (Atomics.load(c.control, STOP) !== 0) return
    const seq = Atomics.load(c.control, SEQ)
    if (seq === seen) continue
    // a helper that woke late may have missed phases: it joins the current one, whose tasks it claims by seq
    seen = seq
    if (phaseOf(seq) === COMPUTE) computeShards(c, seq, rank, T)
    else reduceChunks(c, seq)
  }
}

/**
 * Opens a phase of n tasks to the helpers, does what rank 0 can claim of it, and waits until all n
 * are done — not for the helpers themselves, which may still be waking up and will find nothing
 * left.
 */
function runPhase (c: ShardContext, n: number, own: (seq: number) => void, clock: PhaseClock | null = null): number {
  const seq = Atomics.load(c.control, SEQ) + 1 // only the leader writes SEQ
  Atomics.store(c.control, DONE, 0)
  openTasks(c.control, seq)
  Atomics.store(c.control, SEQ, seq)
  Atomics.notify(c.control, SEQ)
  own(seq)
  const ownDone = clock?.mark() ?? 0
  waitFor(c, DONE, n)
  closeTasks(c.control)
  return ownDone
}

function waitFor (c: ShardContext, slot: number, n: number): void {
  for (let d = Atomics.load(c.control, slot); d < n; d = Atomics.load(c.control, slot)) {
    if (Atomics.load(c.control, FAIL) !== 0) throw new Error('a training thread stopped unexpectedly; the run was abandoned')
    waitWhileEqual(c.control, slot, d, 100)
  }
}

/**
 * The leader's BatchGradient: publish the minibatch, compute the shards on all threads, then
 * (with several threads) reduce them on all threads, chunk by chunk of the parameters; in both
 * phases each thread claims the next shard or chunk when it is free. With several threads the
 * optimiser's step rides on the reduce phase (each chunk updated as it is finished), so it runs
 * on every thread instead of on the leader alone while the others wait; not when the loss is not
 * finite, since the core's loop stops there before any step.
 */
function parallelGradient (c: ShardContext, trainRows: Int32Array | null, optimizer: Optimizer, clock: PhaseClock | null): BatchGradient {
  const T = c.job.threads
  const chunks = Math.ceil(c.P / REDUCE_CHUNK)
  return (index, from, to, grads, epoch, lr) => {
    const start = clock?.mark() ?? 0
    const rows = to - from
    for (let i = from; i < to; i++) c.index[i - from] = trainRows ? trainRows[index[i]] : index[i]
    Atomics.store(c.control, ROWS, rows)
    Atomics.store(c.control, EPOCH, epoch)
    // tasks: the shards; alone, or with batch norm's lockstep walk, each thread's whole share is one
    const tasks = T === 1 ? 1 : c.lockstep ? T : shardCount(rows)
    const ownDone = runPhase(c, tasks, (seq) => { computeShards(c, seq, 0, T) }, clock)
    const computeDone = clock?.mark() ?? 0
    let loss = 0, correct = 0
    for (let s = 0; s < shardCount(rows); s++) {
      loss += c.stats[2 * s]
      correct += c.stats[2 * s + 1]
    }
    let stepped = false
    if (T > 1) {
      if (lr !== undefined && Number.isFinite(loss) && c.job.optimizer !== undefined) { planStep(c, optimizer, grads, lr); stepped = true }
      Atomics.store(c.control, STEP, stepped ? 1 : 0)
      runPhase(c, chunks, (seq) => reduceChunks(c, seq))
    }
    // alone, the shards were accumulated into slot 0 already (see computeShards)
    // the core's loop was handed slot 0 as its gradient buffer (gradsBuffer): no copy of P floats per step
    if (grads !== c.shardViews[0]) grads.set(c.shardViews[0])
    if (T === 1) finishGradients(c.net, grads, rows, c.kernels)
    clock?.minibatch(start, ownDone, computeDone, clock.mark())
    return { loss, correct, stepped }
  }
}

/** Counts the optimiser's step and publishes its plan (learning rate, step count) for the reduce phase. */
function planStep (c: ShardContext, optimizer: Optimizer, grads: Vec, lr: number): void {
  const plan = optimizer.begin(c.net.params, grads, lr)
  // the leader's optimiser allocates its state through optimizerState (lead), so this holds by construction
  if (!plan.buffers.every((b, i) => b === c.optBuffers[i])) throw new Error('the optimiser state is not in the job\'s shared memory')
  c.plan[0] = plan.lr
  c.plan[1] = plan.t
}

function lead (msg: Extract<ToThread, { cmd: 'lead' }>, post: Post): void {
  const c = shardContext(msg.job)
  const clock = msg.job.phaseTimes ? new PhaseClock() : null
  let lastCheckpoint = Date.now()
  let sinceCheckpoint = 0
  const hooks: TrainHooks = {
    signal: { get aborted () { return Atomics.load(c.control, ABORT) !== 0 } },
    finishEarly: { get requested () { return Atomics.load(c.control, FINISH) !== 0 } },
    resume: msg.resume,
    initialParams: msg.initialParams,
    kernels: c.kernels,
    // the core's loop updates the shared weights in place, so helpers read them with no copy per step
    paramsBuffer: c.net.params,
    gradsBuffer: c.shardViews[0],
    gradient: (_net, _train, trainRows, optimizer) => parallelGradient(c, trainRows, optimizer, clock),
    // the optimiser's state in the job's shared memory, where every thread updates its chunks
    // (float32 always, like the weights: a float64 checkpoint's state is rounded in as the core's loop would on its first step)
    optimizerState: (_dtype, n, i) => {
      if (n !== c.P || i >= c.optBuffers.length) throw new RangeError(`the engine keeps ${c.optBuffers.length} optimiser state buffers of ${c.P} parameters, not buffer ${i} of ${n}`)
      return c.optBuffers[i]
    },
    onEpoch: (stats, state) => {
      post({ type: 'epoch', stats })
      sinceCheckpoint++
      const { everyEpochs, everySeconds } = msg.checkpoint
      if ((everyEpochs > 0 && sinceCheckpoint >= everyEpochs) || (everySeconds > 0 && Date.now() - lastCheckpoint >= everySeconds * 1000)) {
        // without the epochs' stats, posted one by one above: a checkpoint costs O(parameters), not O(epochs)
        post({ type: 'checkpoint', state: state({ history: false }) })
        sinceCheckpoint = 0
        lastCheckpoint = Date.now()
      }
    }
  }
  try {
    const result = train(msg.job.spec, c.data, msg.options, hooks)
    if (clock) post({ type: 'phases', times: clock.times })
    post({ type: 'done', result })
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err))
    post({ type: 'failed', message: e.message, name: e.name })
  } finally {
    Atomics.store(c.control, STOP, 1)
    Atomics.notify(c.control, SEQ)
  }
}

