// Batch norm over a minibatch of several shards: its statistics are the whole minibatch's (the
// lockstep walk equals one pass over all rows at once, and differs from per-shard statistics), and
// its running estimates move with momentum 0.1 and the unbiased variance, as PyTorch's BatchNorm1d.
import { describe, it, expect } from 'vitest'
import { backward, createNetwork, createWorkspace, finishGradients, forward } from '../../src/nn/network.js'
import { sequentialGradient } from '../../src/nn/gradient.js'
import { sequentialLockstepGradient } from '../../src/nn/lockstep.js'
import { trainPass } from '../../src/nn/gradcheck.js'
import { datasetFromRows } from '../../src/nn/dataset.js'
import { Rng } from '../../src/nn/random.js'
import type { NetworkSpec } from '../../src/nn/spec.js'

const spec: NetworkSpec = { inputs: 3, layers: [{ units: 5, activation: 'tanh', norm: 'batch' }], output: { units: 2, activation: 'identity' }, l2: 0.01 }
const N = 100 // four shards of 32, 32, 32 and 4 rows
const rng = new Rng(3)
const rows = Array.from({ length: N }, () => [rng.uniform(-2, 3), rng.uniform(0, 5), rng.uniform(-1, 1)])
const targets = rows.map(([a, b, c]) => [a * b - c, Math.sin(a + c)])
const data = datasetFromRows(rows, targets) // float32 values, which the float64 passes below read exactly
const x64 = Float64Array.from(data.x), y64 = Float64Array.from(data.y)
const order = Int32Array.from({ length: N }, (_, i) => i)

function wholeBatch (): Float64Array {
  const net = createNetwork(spec, { seed: 1, dtype: 'float64' })
  const ws = createWorkspace(net, N)
  const g = new Float64Array(net.params.length)
  forward(net, ws, x64, N, undefined, trainPass())
  backward(net, ws, x64, y64, N, g)
  finishGradients(net, g, N)
  return g
}

/** The largest difference between a minibatch gradient over the four shards and wholeBatch(). */
function worstAgainstWholeBatch (gradient: typeof sequentialGradient): number {
  const net = createNetwork(spec, { seed: 1, dtype: 'float64' })
  const g = new Float64Array(net.params.length)
  gradient(net, data)(order, 0, N, g, 0)
  const want = wholeBatch()
  let worst = 0
  for (let i = 0; i < g.length; i++) worst = Math.max(worst, Math.abs(g[i] - want[i]))
  return worst
}

describe('batch norm across shards', () => {
  it('the lockstep minibatch gradient equals one pass over all rows (whole-minibatch statistics)', () => {
    expect(worstAgainstWholeBatch(sequentialLockstepGradient)).toBeLessThan(1e-12)
  })

  it('per-shard statistics would give another gradient (the check can fail)', () => {
    expect(worstAgainstWholeBatch(sequentialGradient)).toBeGreaterThan(1e-4)
  })

  it('moves the running estimates with momentum 0.1 and the unbiased variance, and uses them at inference', () => {
    const net = createNetwork(spec, { seed: 1, dtype: 'float64' })
    const g = new Float64Array(net.params.length)
    const rm = net.parameters.find((p) => p.name === 'layers.0.norm.running_mean')!.value
    const rv = net.parameters.find((p) => p.name === 'layers.0.norm.running_var')!.value
    sequentialLockstepGradient(net, data)(order, 0, N, g, 0)
    // the Linear's outputs of all rows, as the forward computed them
    const ws = createWorkspace(net, N)
    forward(net, ws, x64, N, undefined, trainPass())
    const z = ws.slots[0].out
    for (let j = 0; j < 5; j++) {
      let m = 0
      for (let r = 0; r < N; r++) m += z[r * 5 + j]
      m /= N
      let v = 0
      for (let r = 0; r < N; r++) v += (z[r * 5 + j] - m) ** 2
      expect(rm[j]).toBeCloseTo(0.1 * m, 12)
      expect(rv[j]).toBeCloseTo(0.9 + 0.1 * v / (N - 1), 12)
    }
    // inference normalises with them: another output than the batch statistics give
    const inference = forward(net, createWorkspace(net, N), x64, N).slice()
    expect(Array.from(inference)).not.toEqual(Array.from(ws.out))
    // and gradients never touch them
    const at = net.parameters.find((p) => p.name === 'layers.0.norm.running_mean')!.offset
    expect(Array.from(g.subarray(at, at + 10))).toEqual(new Array(10).fill(0))
  })
})
