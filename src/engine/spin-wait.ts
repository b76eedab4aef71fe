/**
 * Waiting on a slot of a job's control block: a spin, then Atomics.wait. A phase of a W1
 * minibatch lasts 0.1–1 ms, and a thread parked in the kernel takes tens of microseconds to run
 * again once notified, so every phase a parked helper joined late (or a leader woke late from) cost
 * a visible share of the step. The spin lasts about 300 µs (50,000 loads at ≈6 ns each, Node 20),
 * the length of the gaps inside a minibatch: between the end of the finishing phase and the next
 * minibatch's shards, and while the other thread finishes its shard. With a 30 µs spin one helper
 * in ten started its shard 67–75 µs late (p90; p50 3 µs), and W1 on 2 threads trained 3–9% slower
 * (interleaved A/B rounds, 2026-11-30). Still bounded, so between jobs, or on a machine whose cores
 * are all busy, a waiting thread gives its core back within a third of a millisecond.
 */
const SPIN_CHECKS = 50_000

/** Returns once control[slot] !== value, or after about timeoutMs (callers re-check and loop). */
export function waitWhileEqual (control: Int32Array, slot: number, value: number, timeoutMs: number): void {
  for (let i = 0; i < SPIN_CHECKS; i++) if (Atomics.load(control, slot) !== value) return
  Atomics.wait(control, slot, value, timeoutMs)
}
