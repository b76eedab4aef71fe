/**
 * Arms the fault cued by thread-fault.ts in this pool thread: every kernel set's gemmNT wrapped to
 * count the calls of the current job and, at the cued one in the cued rank, throw or exit.
 */
import { getEnvironmentData, parentPort } from 'node:worker_threads'
import { KERNEL_NAMES, selectKernels, type Kernels } from '../../src/kernels/index.js'
import type { ToThread } from '../../src/engine/protocol.js'
import { FAULT_KEY, type FaultCue } from './thread-fault.js'

const cue = getEnvironmentData(FAULT_KEY) as FaultCue | undefined
let rank = -1
let calls = 0

// added before thread-main's listener (faulty-thread-main.ts), so each job's rank is known before the job runs
parentPort?.on('message', (msg: ToThread) => {
  rank = msg.cmd === 'lead' ? 0 : msg.cmd === 'help' ? msg.rank : -1
  calls = 0
})

function strike (): void {
  if (!cue || rank !== cue.rank || ++calls !== cue.atCall) return
  if (Atomics.compareExchange(cue.fired, 0, 0, 1) !== 0) return
  if (cue.kind === 'exit') process.exit(1)
  throw new Error(`injected fault in thread ${rank} at its gemmNT call ${cue.atCall}`)
}

// the kernel sets are one instance each per thread (selectKernels), so the job's threads use these
const armed = new Set<Kernels>()
for (const name of KERNEL_NAMES) {
  const k = selectKernels(name)
  if (armed.has(k)) continue
  armed.add(k)
  const gemmNT = k.gemmNT.bind(k)
  k.gemmNT = (...args) => { strike(); gemmNT(...args) }
}
