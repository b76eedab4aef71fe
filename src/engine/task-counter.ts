/**
 * The counter from which the threads of a job claim the tasks of a phase (shards, then parameter
 * chunks): whichever thread is free takes the next one, so a thread the OS preempts delays the
 * minibatch by at most the task it holds, and the leader never waits for a helper that claimed
 * nothing. One Int32 slot (NEXT_TASK) holds the phase's tag, its sequence number mod 2¹¹, over
 * the index of its next unclaimed task (20 bits); a claim is a compare-and-swap that fails once
 * the leader has closed the phase or opened another, so a helper that wakes late cannot take a task
 * of a phase it did not read the rows of. (A tag repeats only after 2,048 phases, which a thread
 * would have to sleep through between two instructions.)
 */
import { NEXT_TASK } from './protocol.js'

const INDEX_BITS = 20
const INDEX_MASK = (1 << INDEX_BITS) - 1
const TAG_MASK = 0x7ff
/** Most tasks a phase may have. */
export const MAX_TASKS = INDEX_MASK
/** No phase is open: every index reads as all claimed. */
export const CLOSED = -1

/** Opens phase `seq` (the SEQ value helpers will see) with its first task unclaimed; call before bumping SEQ. */
export function openTasks (control: Int32Array, seq: number): void {
  Atomics.store(control, NEXT_TASK, (seq & TAG_MASK) << INDEX_BITS)
}

/** Closes the current phase (all its tasks done): no late claim can succeed until the next opens. */
export function closeTasks (control: Int32Array): void {
  Atomics.store(control, NEXT_TASK, CLOSED)
}

/** The index of the next task of phase `seq` (which has n tasks), now this thread's; −1 when none is left or the phase is over. */
export function claimTask (control: Int32Array, seq: number, n: number): number {
  const tag = seq & TAG_MASK
  for (;;) {
    const v = Atomics.load(control, NEXT_TASK)
    const i = v & INDEX_MASK
    if (v === CLOSED || ((v >>> INDEX_BITS) & TAG_MASK) !== tag || i >= n) return -1
    if (Atomics.compareExchange(control, NEXT_TASK, v, v + 1) === v) return i
  }
}
