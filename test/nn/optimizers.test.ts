import { describe, it, expect } from 'vitest'
import { createOptimizer, OPTIMIZERS, type OptimizerConfig, type OptimizerName } from '../../src/nn/optimizers.js'
import { weightMask, parameterCount, type NetworkSpec } from '../../src/nn/spec.js'
import { Rng } from '../../src/nn/random.js'
import type { Vec } from '../../src/nn/vec.js'

const configs: Record<OptimizerName, OptimizerConfig> = {
  sgd: { type: 'sgd', learningRate: 0.1 },
  momentum: { type: 'momentum', learningRate: 0.1 },
  nesterov: { type: 'nesterov', learningRate: 0.1 },
  adam: { type: 'adam', learningRate: 0.1 },
  adamw: { type: 'adamw', learningRate: 0.1, weightDecay: 0.1 }
}

// f(x) = ½·Σ aᵢ(xᵢ − cᵢ)², minimum at c, condition number 4
function quadratic (p: Vec, g: Vec): number {
  const a = [1, 4]; const c = [3, -2]
  let f = 0
  for (let i = 0; i < 2; i++) { g[i] = a[i] * (p[i] - c[i]); f += 0.5 * a[i] * (p[i] - c[i]) ** 2 }
  return f
}

// f(x, y) = (1 − x)² + 100(y − x²)², minimum 0 at (1, 1) at the end of a curved valley
function rosenbrock (p: Vec, g: Vec): number {
  const x = p[0]; const y = p[1]
  g[0] = -2 * (1 - x) - 400 * x * (y - x * x)
  g[1] = 200 * (y - x * x)
  return (1 - x) ** 2 + 100 * (y - x * x) ** 2
}

function minimise (config: OptimizerConfig, f: (p: Vec, g: Vec) => number, p: Vec, lr: number, steps: number): number {
  const opt = createOptimizer(config, new Uint8Array(p.length)) // mask 0: no decay, adamw is plain adam here
  const g = p instanceof Float64Array ? new Float64Array(p.length) : new Float32Array(p.length)
  for (let s = 0; s < steps; s++) { f(p, g); opt.step(p, g, lr) }
  return f(p, g)
}

const bits = (v: Vec): Uint8Array => new Uint8Array(v.buffer, v.byteOffset, v.byteLength)

describe('optimizers minimise', () => {
  for (const name of OPTIMIZERS) {
    const lr = name === 'sgd' ? 0.1 : 0.05
    it(`${name} finds the minimum of a quadratic in float64 and float32`, () => {
      const p64 = new Float64Array([0, 0])
      expect(minimise(configs[name], quadratic, p64, lr, 500)).toBeLessThan(1e-12)
      expect(p64[0]).toBeCloseTo(3, 5)
      expect(p64[1]).toBeCloseTo(-2, 5)
      const p32 = new Float32Array([0, 0])
      expect(minimise(configs[name], quadratic, p32, lr, 500)).toBeLessThan(1e-8)
      expect(p32[0]).toBeCloseTo(3, 3)
      expect(p32[1]).toBeCloseTo(-2, 3)
    })
  }
  for (const name of ['momentum', 'nesterov', 'adam', 'adamw'] as const) {
    it(`${name} follows the Rosenbrock valley from (−1.2, 1) to (1, 1)`, () => {
      const p = new Float64Array([-1.2, 1])
      const lr = name.startsWith('adam') ? 0.02 : 0.001
      expect(minimise(configs[name], rosenbrock, p, lr, 5000)).toBeLessThan(1e-10)
      expect(p[0]).toBeCloseTo(1, 4)
      expect(p[1]).toBeCloseTo(1, 4)
    })
  }
})

// two steps from p0 = (1, −2) with g1 = (0.5, −1), g2 = (0.25, 0.3), lr = 0.1, worked out by hand from the formulas
describe('optimizer steps match hand-computed values (float64)', () => {
  function twoSteps (config: OptimizerConfig, mask = new Uint8Array(2)): [number[], number[]] {
    const opt = createOptimizer(config, mask)
    const p = new Float64Array([1, -2])
    opt.step(p, new Float64Array([0.5, -1]), 0.1)
    const p1 = Array.from(p)
    opt.step(p, new Float64Array([0.25, 0.3]), 0.1)
    return [p1, Array.from(p)]
  }
  const close = (actual: number[], expected: number[]): void => {
    expected.forEach((e, i) => expect(actual[i]).toBeCloseTo(e, 13))
  }

  it('sgd: p ← p − lr·g', () => {
    const [p1, p2] = twoSteps(configs.sgd)
    close(p1, [0.95, -1.9])
    close(p2, [0.925, -1.93])
  })

  it('momentum: v ← 0.9v + g; p ← p − lr·v', () => {
    const [p1, p2] = twoSteps(configs.momentum)
    close(p1, [0.95, -1.9]) // v1 = g1
    close(p2, [0.88, -1.84]) // v2 = (0.7, −0.6)
  })

  it('nesterov: v ← 0.9v + g; p ← p − lr·(g + 0.9v)', () => {
    const [p1, p2] = twoSteps(configs.nesterov)
    close(p1, [0.905, -1.81]) // g1 + 0.9·v1 = 1.9·g1
    close(p2, [0.817, -1.786]) // v2 = (0.7, −0.6), g2 + 0.9·v2 = (0.88, −0.24)
  })

  it('adam: bias-corrected moments', () => {
    const [p1, p2] = twoSteps(configs.adam)
    // step 1: m̂ = g, v̂ = g², so each parameter moves by lr·|g|/(|g| + ε) ≈ lr
    close(p1, [1 - 0.1 * 0.5 / (0.5 + 1e-8), -2 + 0.1 * 1 / (1 + 1e-8)])
    // step 2: m = 0.09·g1 + 0.1·g2 = (0.07, −0.06); v = 0.000999·g1² + 0.001·g2² = (0.00031225, 0.001089)
    // m̂ = m/(1 − 0.9²) = m/0.19; v̂ = v/(1 − 0.999²) = v/0.001999
    close(p2, [
      p1[0] - 0.1 * (0.07 / 0.19) / (Math.sqrt(0.00031225 / 0.001999) + 1e-8),
      p1[1] + 0.1 * (0.06 / 0.19) / (Math.sqrt(0.001089 / 0.001999) + 1e-8)
    ])
    expect(p1[0]).toBeCloseTo(0.9, 6)
    expect(p2[0]).toBeCloseTo(0.9 - 0.1 * 0.932180, 6)
  })

  it('adamw: adam plus lr·wd·p on the weight (mask 1), none on the bias (mask 0)', () => {
    const [p1, p2] = twoSteps(configs.adamw, new Uint8Array([1, 0]))
    const [a1, a2] = twoSteps(configs.adam)
    close(p1, [1 - 0.1 * (0.5 / (0.5 + 1e-8) + 0.1 * 1), a1[1]])
    close(p2, [p1[0] - 0.1 * ((0.07 / 0.19) / (Math.sqrt(0.00031225 / 0.001999) + 1e-8) + 0.1 * p1[0]), a2[1]])
  })
})

describe('adamw', () => {
  const spec: NetworkSpec = { inputs: 3, layers: [{ units: 4, activation: 'relu' }], output: { units: 2, activation: 'identity' } }
  const mask = weightMask(spec)

  it('decays weights and never biases', () => {
    const p = new Float32Array(mask.length).fill(1)
    const opt = createOptimizer({ type: 'adamw', learningRate: 0.1, weightDecay: 0.5 }, mask)
    const zero = new Float32Array(mask.length) // no gradient: only the decay moves anything
    for (let s = 0; s < 3; s++) opt.step(p, zero, 0.1)
    p.forEach((x, i) => {
      if (mask[i] === 1) expect(x).toBeCloseTo(0.95 ** 3, 6)
      else expect(x).toBe(1)
    })
    expect(mask.includes(0) && mask.includes(1)).toBe(true)
  })

  it('with weightDecay 0 is bit-identical to adam', () => {
    const rng = new Rng(7)
    const a = Float32Array.from({ length: mask.length }, () => rng.normal())
    const b = a.slice()
    const w = createOptimizer({ type: 'adamw', learningRate: 0.01, weightDecay: 0 }, mask)
    const d = createOptimizer({ type: 'adam', learningRate: 0.01 }, mask)
    for (let s = 0; s < 5; s++) {
      const g = Float32Array.from({ length: mask.length }, () => rng.normal())
      w.step(a, g, 0.01); d.step(b, g, 0.01)
    }
    expect(bits(a)).toEqual(bits(b))
  })
})

describe('optimizer state', () => {
  const spec: NetworkSpec = { inputs: 2, layers: [{ units: 3, activation: 'tanh' }], output: { units: 1, activation: 'identity' } }
  const mask = weightMask(spec)
  const n = parameterCount(spec)
  const rng = new Rng(42)
  const start = Float32Array.from({ length: n }, () => rng.normal())
  const grads = Array.from({ length: 10 }, () => Float32Array.from({ length: n }, () => rng.normal()))
  const lrs = grads.map((_, s) => 0.05 * 0.9 ** s)

  for (const name of OPTIMIZERS) {
    it(`${name}: same inputs give bit-identical outputs, and a restored run continues bit-identically`, () => {
      const run = (from: number, to: number, p: Float32Array, opt = createOptimizer(configs[name], mask)): Float32Array => {
        for (let s = from; s < to; s++) opt.step(p, grads[s], lrs[s])
        return p
      }
      const straight = run(0, 10, start.slice())
      expect(bits(run(0, 10, start.slice()))).toEqual(bits(straight))

      const first = createOptimizer(configs[name], mask)
      const half = run(0, 5, start.slice(), first)
      const state = first.getState()
      expect(state.t).toBe(5)
      const resumed = createOptimizer(configs[name], mask)
      resumed.setState(state)
      expect(bits(run(5, 10, half.slice(), resumed))).toEqual(bits(straight))

      if (name !== 'sgd') { // without its state a stateful method takes a different path
        expect(bits(run(5, 10, half.slice()))).not.toEqual(bits(straight))
      }
    })
  }

  it('buffers take the params dtype, and getState/setState copy deeply', () => {
    const opt = createOptimizer(configs.adam, mask)
    expect(opt.getState()).toEqual({ type: 'adam', t: 0, buffers: [] })
    opt.step(start.slice(), grads[0], 0.1)
    const s = opt.getState()
    expect(s.buffers.map((b) => b.constructor)).toEqual([Float32Array, Float32Array])
    s.buffers[0].fill(NaN)
    expect(opt.getState().buffers[0].some(Number.isNaN)).toBe(false)

    const o64 = createOptimizer(configs.momentum, mask)
    o64.step(Float64Array.from(start), Float64Array.from(grads[0]), 0.1)
    const s64 = o64.getState()
    expect(s64.buffers[0]).toBeInstanceOf(Float64Array)
    const copy = createOptimizer(configs.momentum, mask)
    copy.setState(s64)
    s64.buffers[0].fill(NaN)
    expect(copy.getState().buffers[0].some(Number.isNaN)).toBe(false)
  })

  it('setState rejects a wrong type, length, buffer count or step count', () => {
    const opt = createOptimizer(configs.adam, mask)
    opt.step(start.slice(), grads[0], 0.1)
    const good = opt.getState()
    const fresh = createOptimizer(configs.adam, mask)
    expect(() => fresh.setState({ ...good, type: 'sgd' })).toThrow(RangeError)
    expect(() => createOptimizer(configs.adamw, mask).setState(good)).toThrow(/adamw/)
    expect(() => fresh.setState({ ...good, buffers: [new Float32Array(n - 1), new Float32Array(n - 1)] })).toThrow(RangeError)
    expect(() => fresh.setState({ ...good, buffers: [good.buffers[0]] })).toThrow(RangeError)
    expect(() => fresh.setState({ ...good, buffers: [] })).toThrow(RangeError) // t = 1 needs its moments
    expect(() => fresh.setState({ ...good, buffers: [good.buffers[0], Float64Array.from(good.buffers[1])] })).toThrow(RangeError)
    expect(() => fresh.setState({ ...good, t: -1 })).toThrow(RangeError)
    expect(() => fresh.setState({ ...good, t: 1.5 })).toThrow(RangeError)
    expect(fresh.getState()).toEqual({ type: 'adam', t: 0, buffers: [] }) // nothing half-restored
    fresh.setState(good)
    expect(fresh.getState()).toEqual(good)
  })

  it('step rejects buffers of the wrong length and a bad learning rate', () => {
    const opt = createOptimizer(configs.sgd, mask)
    expect(() => opt.step(new Float32Array(n + 1), new Float32Array(n + 1), 0.1)).toThrow(RangeError)
    expect(() => opt.step(start.slice(), new Float32Array(n - 1), 0.1)).toThrow(RangeError)
    expect(() => opt.step(start.slice(), grads[0], Number.NaN)).toThrow(RangeError)
  })

  it('createOptimizer rejects bad hyperparameters and unknown methods', () => {
    expect(() => createOptimizer({ type: 'momentum', learningRate: 0.1, momentum: 1 }, mask)).toThrow(RangeError)
    expect(() => createOptimizer({ type: 'adam', learningRate: 0.1, beta2: -0.1 }, mask)).toThrow(RangeError)
    expect(() => createOptimizer({ type: 'adam', learningRate: 0.1, epsilon: 0 }, mask)).toThrow(RangeError)
    expect(() => createOptimizer({ type: 'adamw', learningRate: 0.1, weightDecay: -1 }, mask)).toThrow(RangeError)
    expect(() => createOptimizer({ type: 'rmsprop', learningRate: 0.1 } as unknown as OptimizerConfig, mask)).toThrow(/one of sgd/)
  })
})
