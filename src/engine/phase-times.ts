/**
 * Where a job's minibatches spent their time on the leader's clock, summed over the job (µs), when the
 * job asks for it (EngineTrainOptions.phaseTimes). What the engine's scaling depends on, measured in
 * the engine itself rather than in a scratch build: the shard phase (the leader's own shards, then its
 * wait for the other threads' to finish), the reduce-and-step phase (several threads) or the finish of
 * the gradient (one thread), and the time between minibatches (the core's loop: its optimiser step with
 * one thread, its bookkeeping, and each epoch's end). Two clock reads a phase: nothing measurable
 * against a phase of tens of microseconds or more. `npm run bench -- --phases` prints them.
 */
export interface PhaseTimes {
  /** minibatches timed */
  minibatches: number
  /** the shard phase, from publishing the minibatch until every shard is done */
  computeUs: number
  /** of which: after the leader's own shards, waiting for the other threads' */
  computeWaitUs: number
  /** the reduce-and-step phase (several threads), or the gradient's finish (one thread) */
  reduceUs: number
  /** between one minibatch's end and the next one's start */
  betweenUs: number
}

/** A recorder of PhaseTimes over a job; `mark()` reads the clock (µs). */
export class PhaseClock {
  readonly times: PhaseTimes = { minibatches: 0, computeUs: 0, computeWaitUs: 0, reduceUs: 0, betweenUs: 0 }
  private lastEnd = -1

  mark (): number { return performance.now() * 1000 }

  /** One minibatch, from the marks taken at its start, its leader's own shards done, its shard phase done, and its end. */
  minibatch (start: number, ownDone: number, computeDone: number, end: number): void {
    const t = this.times
    if (this.lastEnd >= 0) t.betweenUs += start - this.lastEnd
    t.computeUs += computeDone - start
    t.computeWaitUs += computeDone - ownDone
    t.reduceUs += end - computeDone
    t.minibatches++
    this.lastEnd = end
  }
}
