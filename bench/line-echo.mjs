// The echoing thread of bench/ceiling.ts's crossCoreRoundTrip: copies slot 0 of the shared array to slot 16 (another
// cache line) each time it changes, until it reads -1. Plain JavaScript: no loader, so nothing but the loop runs here.
import { workerData, parentPort } from 'node:worker_threads'

const a = new Int32Array(workerData)
parentPort.postMessage('ready')
let seen = 0
for (;;) {
  let v = Atomics.load(a, 0)
  while (v === seen) v = Atomics.load(a, 0)
  if (v === -1) break
  seen = v
  Atomics.store(a, 16, v)
}
