/**
 * Faults on cue for the engine's thread tests, without any fault injection in the engine itself:
 * the test starts an engine whose pool threads run faulty-thread.mjs (the real thread
 * entry behind a wrapper), and cues the fault through worker environment data, which every thread
 * the pool spawns afterwards receives (replacements of dead threads too).
 */
import { setEnvironmentData } from 'node:worker_threads'

export const FAULT_KEY = 'backprop:test-fault'

/**
 * The thread of job rank `rank` throws (or exits) at its `atCall`-th gemmNT of a job: a product
 * every shard's forward makes, so the fault strikes inside a minibatch as a real one would. `fired`
 * is shared by all threads: the cue fires once, not again in the next job or in a replacement thread.
 */
export interface FaultCue { rank: number, atCall: number, kind: 'throw' | 'exit', fired: Int32Array }

export const faultyThreadEntry = new URL('./faulty-thread.mjs', import.meta.url)

/** Cues a fault for the threads spawned from now on; returns a function that withdraws the cue. */
export function cueFault (cue: Omit<FaultCue, 'fired'>): () => void {
  setEnvironmentData(FAULT_KEY, { ...cue, fired: new Int32Array(new SharedArrayBuffer(4)) })
  return () => { setEnvironmentData(FAULT_KEY, undefined) }
}
