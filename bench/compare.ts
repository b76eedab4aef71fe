/**
 * `npm run bench -- --peers`: our workloads interleaved with PyTorch's and scikit-learn's
 * (shared/peers/*.py) in one run, `rounds` times, after five unmeasured rounds of ours alone (the
 * JIT's warm-up: WARMUP_ROUNDS below). Each ratio is taken within a round, so both sides
 * of it saw the same machine load, and printed as the median with its spread (min–max) over the
 * rounds, next to the issue's goal. Absolute figures are printed too, as context only.
 */
import type { TrainingEngine } from '../src/engine/engine.js'
import type { Network } from '../src/nn/network.js'
import { chooseKernels } from '../src/kernels/index.js'
import { median, predictW3, predictW3Pool, trainW1, trainW2, w1Scaling, w3Setup } from './workloads.js'
import { findPeersDir, findPython, runPeer, type PeerFigure } from './peers.js'
import { crossCoreRoundTrip, machineCeiling, trainingCeiling } from './ceiling.js'
import { join } from 'node:path'

type Round = Map<string, number>

interface Ratio { what: string, num: string, den: string, goal: string, met: (r: number) => boolean }

const RATIOS: Ratio[] = [
  { what: 'W1 training, ours 2 threads / PyTorch (omp 1, 2 BLAS threads)', num: 'ours.W1.t2', den: 'torch.W1', goal: '≥ 1.0', met: (r) => r >= 1 },
  // the peers' BLAS threads spin while they wait, so on a loaded machine their 2-thread figures collapse: one thread each, too
  { what: 'W1 training, ours 1 thread / PyTorch (omp 1, 1 BLAS thread)', num: 'ours.W1.t1', den: 'torch1.W1', goal: '—', met: () => true },
  // from 1-thread and 2-thread jobs next to each other in time (w1Scaling), not the two above a PyTorch run apart
  { what: 'W1 scaling, ours 2 threads / 1 thread (ABBA jobs)', num: 'scaling.W1.t2', den: 'scaling.W1.t1', goal: '≥ 1.8', met: (r) => r >= 1.8 },
  // what two threads of this machine give to W1's largest product when they never wait for each other: the scaling's ceiling
  { what: 'machine: 2 independent BLAS threads / 1 (W1\'s 128×784×256 product)', num: 'machine.t2', den: 'machine.t1', goal: '—', met: () => true },
  // the same for whole training steps: two 1-thread W1 jobs at once, sharing nothing but the machine
  { what: 'machine: 2 independent 1-thread W1 trainings / 1', num: 'ceiling.W1.t2', den: 'ceiling.W1.t1', goal: '—', met: () => true },
  { what: 'W2 training, ours / scikit-learn (2 BLAS threads)', num: 'ours.W2', den: 'sklearn2.W2', goal: '≥ 1.5', met: (r) => r >= 1.5 },
  { what: 'W2 training, ours / scikit-learn (1 BLAS thread)', num: 'ours.W2', den: 'sklearn1.W2', goal: '—', met: () => true },
  { what: 'W3 one-row latency (median), ours / PyTorch', num: 'ours.W3.median', den: 'torch.W3.median', goal: '≤ 0.5', met: (r) => r <= 0.5 },
  { what: 'W3 batch of 1,024, ours in process / PyTorch', num: 'ours.W3.batch', den: 'torch.W3.batch', goal: '≥ 1.0', met: (r) => r >= 1 },
  { what: 'W3 batch of 1,024, ours over 2 pool threads / PyTorch', num: 'ours.W3.pool2', den: 'torch.W3.batch', goal: '≥ 1.0', met: (r) => r >= 1 }
]

function keep (round: Round, prefix: string, figures: PeerFigure[]): void {
  for (const f of figures) {
    if (f.metric === 'train_samples_per_s') round.set(`${prefix}.${f.workload}`, f.value)
    if (f.metric === 'latency_median_us') round.set(`${prefix}.W3.median`, f.value)
    if (f.metric === 'batch_samples_per_s') round.set(`${prefix}.W3.batch`, f.value)
  }
}

/**
 * Rounds of ours alone, unmeasured, before the measured rounds: the process's JIT warm-up. V8 optimises a
 * function once it has run enough, per thread, and again after a job of another kind changed what it
 * sees, on background threads that take a core from a 2-thread job's lock-step. Traced with --trace-opt
 * (2026-11-30, this sequence repeated): the 2-thread W1 job of round 1 ran during 441 ms of compiling,
 * rounds 2–5 during 32, 47, 21 and 12 ms, rounds 6–10 during 0–8 ms; its scaling over the 1-thread job
 * read 1.55, 1.71, 1.67, 1.77, 1.71, then 1.81, 1.83, 1.75, 1.79, 1.87. A worker process is long-lived,
 * so the settled figure is the one its jobs see; the first jobs after a start pay the compiling.
 */
const WARMUP_ROUNDS = 5

async function warmUp (engine: TrainingEngine, net: Network, rows: Float32Array): Promise<void> {
  for (let i = 0; i < WARMUP_ROUNDS; i++) {
    await trainW1(engine, 2, 'auto')
    await trainW1(engine, 1, 'auto')
    await trainingCeiling(engine, 'auto')
    predictW3(net, rows, 'auto')
    await predictW3Pool(engine, net, rows, 2, 'auto')
    await trainW2(engine, 'auto', 'auto')
  }
}

export async function compareWithPeers (engine: TrainingEngine, { rounds, json }: { rounds: number, json: boolean }): Promise<void> {
  const dir = findPeersDir()
  if (dir === null) throw new Error('no shared/peers/bench_torch.py found at or above the working directory')
  const py = findPython()
  if ('missing' in py) throw new Error(`--peers needs ${py.missing}`)
  const kernels = chooseKernels('auto')
  console.log(`kernels: ${kernels.active} (${kernels.detail}${kernels.coreType === undefined ? '' : `; ${kernels.coreType}`}); peers from ${dir}; ${rounds} interleaved rounds`)
  const { net, rows } = w3Setup()
  const torch = (args: string[]): Promise<PeerFigure[]> => runPeer(py.python, join(dir, 'bench_torch.py'), args)
  const sklearn = (args: string[]): Promise<PeerFigure[]> => runPeer(py.python, join(dir, 'bench_sklearn.py'), args)

  await warmUp(engine, net, rows)
  if (!json) console.log(`${WARMUP_ROUNDS} rounds of ours alone done (unmeasured: the JIT's warm-up)`)

  const all: Round[] = []
  for (let i = 0; i < rounds; i++) {
    const round: Round = new Map()
    // each of ours sits next to the peer it is compared with, so a ratio's two sides run seconds apart
    round.set('ours.W1.t2', (await trainW1(engine, 2, 'auto')).samplesPerS)
    keep(round, 'torch', await torch(['1', '2', '--only', 'W1,W3']))
    round.set('ours.W1.t1', (await trainW1(engine, 1, 'auto')).samplesPerS)
    const scaling = await w1Scaling(engine, 'auto')
    round.set('scaling.W1.t1', scaling.one)
    round.set('scaling.W1.t2', scaling.two)
    // where the scaling jobs' minibatches went, per minibatch (µs): engine/phase-times.ts
    for (const [t, p] of [['t1', scaling.phases.one], ['t2', scaling.phases.two]] as const) {
      round.set(`phases.W1.${t}.compute_us`, p.computeUs)
      round.set(`phases.W1.${t}.compute_wait_us`, p.computeWaitUs)
      round.set(`phases.W1.${t}.reduce_us`, p.reduceUs)
      round.set(`phases.W1.${t}.between_us`, p.betweenUs)
    }
    // a cache line's round trip between the two cores: what the reduce's cross-core traffic waits on
    round.set('machine.line_round_trip_ns', await crossCoreRoundTrip())
    const ceiling = await machineCeiling(kernels.active)
    round.set('machine.t1', ceiling.one)
    round.set('machine.t2', ceiling.two)
    const training = await trainingCeiling(engine, 'auto')
    round.set('ceiling.W1.t1', training.one)
    round.set('ceiling.W1.t2', training.two)
    keep(round, 'torch1', await torch(['1', '1', '--only', 'W1']))
    const w3 = predictW3(net, rows, 'auto')
    round.set('ours.W3.median', w3.medianUs)
    round.set('ours.W3.batch', w3.rowsPerS)
    round.set('ours.W3.pool2', await predictW3Pool(engine, net, rows, 2, 'auto'))
    keep(round, 'sklearn2', await sklearn(['2', '--only', 'W2']))
    round.set('ours.W2', (await trainW2(engine, 'auto', 'auto')).samplesPerS)
    keep(round, 'sklearn1', await sklearn(['1', '--only', 'W2']))
    all.push(round)
    if (json) console.log(JSON.stringify({ round: i + 1, figures: Object.fromEntries(round) }))
    else console.log(`round ${i + 1}/${rounds} done`)
  }

  const fmt = (x: number): string => Number(x.toPrecision(3)).toString()
  const table = RATIOS.map(({ what, num, den, goal, met }) => {
    const rs = all.map((r) => r.get(num)! / r.get(den)!).filter(Number.isFinite)
    const m = median(rs)
    const row = { ratio: what, median: fmt(m), spread: `${fmt(Math.min(...rs))}–${fmt(Math.max(...rs))}`, goal, met: met(m) ? 'yes' : 'no' }
    if (json) console.log(JSON.stringify({ ...row, rounds: rs }))
    return row
  })
  if (json) return
  console.table(table)
  const keys = [...new Set(all.flatMap((r) => [...r.keys()]))].sort()
  console.table(keys.map((k) => ({ figure: k, median: fmt(median(all.map((r) => r.get(k)!))), rounds: all.map((r) => fmt(r.get(k)!)).join(', ') })))
}
