/**
 * Waiting on a slot of a job's control block: a short spin, then Atomics.wait. A phase of a W1
 * minibatch lasts 0.1–1 ms, and a thread parked in the kernel takes tens of microseconds to run
 * again once notified, so every phase a parked helper joined late (or a leader woke late from) cost
 * a visible share of the step. The spin is bounded (about 30 µs of loads at ≈6 ns each, measured
 * with Node 20), so on a machine whose cores are all busy a waiting thread gives its core back
 * almost at once.
 */
const SPIN_CHECKS = 5000

/** Returns once control[slot] !== value, or after about timeoutMs (callers re-check and loop). */
export function waitWhileEqual (control: Int32Array, slot: number, value: number, timeoutMs: number): void {
  for (let i = 0; i < SPIN_CHECKS; i++) if (Atomics.load(control, slot) !== value) return
  Atomics.wait(control, slot, value, timeoutMs)
}
