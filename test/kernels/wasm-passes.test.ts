import { describe, it, expect } from 'vitest'
import { createWasmKernels } from '../../src/kernels/wasm-kernels.js'
import { tsKernels, type AdamStep } from '../../src/nn/ops.js'
import { createOptimizer, OPTIMIZERS, type OptimizerConfig } from '../../src/nn/optimizers.js'
import { ACTIVATIONS, type ActivationName, type NetworkSpec } from '../../src/nn/spec.js'
import { Rng } from '../../src/nn/random.js'
import { train, type TrainOptions } from '../../src/nn/train.js'
import { classificationFixture } from '../support/fixtures.js'

// Tolerances. Passes made of + − × ÷ √ run in f64x2 lanes and round once on store, as the ts loops
// do in doubles: they must give the ts bits exactly. sigmoid, tanh and softplus use AssemblyScript's
// Mathf (float32 musl) where ts uses Math.* in doubles: measured over 100,000 values log-spread over |z| ≤ 22,
// at most 2 float32 ulps apart (about a third of the values differ at all); the test allows 2 ulps.
// tanh forward is Eigen's rational (kernels/tanh32.ts), measured at most 3 ulps from fround(Math.tanh)
// over 12 million values: 3 for it; its backward is arithmetic.
const TRANSCENDENTAL = new Set<ActivationName>(['sigmoid', 'tanh', 'softplus'])
const ULPS = 2
const TANH_FORWARD_ULPS = 3
const SIZES = [1, 3, 17, 129, 1000]

const wasm = createWasmKernels()
const rng = new Rng(11)
const randoms = (n: number, scale = 1): Float32Array => Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale)
const bits = (v: ArrayLike<number>): string => Buffer.from(Float32Array.from(v).buffer).toString('hex')

/** float32 spacing at |x| */
function ulp (x: number): number {
  const f = Math.abs(Math.fround(x))
  if (f < 2 ** -126) return 2 ** -149
  return 2 ** (Math.floor(Math.log2(f)) - 23)
}

function expectWithinUlps (got: Float32Array, want: Float32Array, what: string, ulps = ULPS): void {
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= ulps * ulp(want[i]))) throw new Error(`${what} [${i}]: wasm ${got[i]} vs ts ${want[i]}`)
  }
}

/** z over [−20, 20] with the edge cases the branches turn on (0, −0, tiny, ±Inf-free extremes) */
function inputs (n: number): Float32Array {
  const z = randoms(n, 20)
  const edges = [0, -0, 1e-30, -1e-30, 88, -88]
  for (let i = 0; i < Math.min(n, edges.length); i++) z[(i * 7) % n] = edges[i]
  return z
}

describe('wasm activation passes', () => {
  for (const name of ACTIVATIONS) {
    const exact = !TRANSCENDENTAL.has(name)
    it(`${name}: forward and backward ${exact ? 'bit-identical to' : `within ${ULPS} float32 ulps of`} ts, n = ${SIZES.join(', ')}`, () => {
      for (const n of SIZES) {
        const z = inputs(n), da = randoms(n)
        const aTs = new Float32Array(n), aW = new Float32Array(n)
        tsKernels.activate(name, aTs, z, n, 0.03)
        wasm.activate(name, aW, z, n, 0.03)
        const dTs = da.slice(), dW = da.slice()
        // both backward passes read the same (ts) output, so only the pass itself is compared
        tsKernels.activateBackward(name, dTs, z, aTs, n, 0.03)
        wasm.activateBackward(name, dW, z, aTs, n, 0.03)
        if (exact) {
          expect(bits(aW)).toBe(bits(aTs))
          expect(bits(dW)).toBe(bits(dTs))
        } else {
          expectWithinUlps(aW, aTs, `${name} forward n=${n}`, name === 'tanh' ? TANH_FORWARD_ULPS : ULPS)
          expectWithinUlps(dW, dTs, `${name} backward n=${n}`)
        }
      }
    })
  }

  it('every activation keeps a NaN, in ts and wasm alike (as torch does): a NaN made 0 or 1 hides an overflow upstream', () => {
    const z = new Float32Array([NaN, 1, -1, NaN, 0, NaN, -0, 2, NaN])
    for (const name of ACTIVATIONS) {
      for (const k of [tsKernels, wasm]) {
        const a = new Float32Array(z.length)
        k.activate(name, a, z, z.length, 0.03)
        const nan = Array.from(a, (v, i) => Number.isNaN(v) === Number.isNaN(z[i]))
        expect(nan, `${name} (${k === wasm ? 'wasm' : 'ts'})`).toEqual(Array(z.length).fill(true))
      }
    }
  })

  it('tanh forward: within 3 ulps of Math.tanh over ±9 and the edges, never the ts loop (it is faster), exact signs, NaN and ±1 kept', () => {
    const n = 200_001
    const z = Float32Array.from({ length: n }, (_, i) => -9 + 18 * i / (n - 1))
    const want = new Float32Array(n), got = new Float32Array(n)
    tsKernels.activate('tanh', want, z, n, 0)
    wasm.activate('tanh', got, z, n, 0)
    expectWithinUlps(got, want, 'tanh forward on a grid', TANH_FORWARD_ULPS)
    // Eigen's rational rounds differently from Math.tanh on a good share of values: not the ts loop
    let differ = 0
    for (let i = 0; i < n; i++) if (got[i] !== want[i]) differ++
    expect(differ).toBeGreaterThan(n / 10)
    const edges = Float32Array.from([0, -0, 1e-30, -1e-30, 3e-4, 7.9, 8, 20, -20, Infinity, -Infinity, NaN])
    const e = new Float32Array(edges.length)
    wasm.activate('tanh', e, edges, edges.length, 0)
    expect(Object.is(e[0], 0) && Object.is(e[1], -0)).toBe(true)
    expect([e[2], e[3]]).toEqual([edges[2], edges[3]])
    expect(e[4]).toBe(Math.fround(Math.tanh(edges[4])))
    expect([e[7], e[8], e[9], e[10]]).toEqual([1, -1, 1, -1])
    expect(e[11]).toBeNaN()
  })

  it('writes only the first n values of longer buffers and views', () => {
    const n = 5
    const z = randoms(n + 6).subarray(3), a = new Float32Array(n + 3).fill(42), d = new Float32Array(n + 3).fill(7)
    wasm.activate('tanh', a, z, n, 0)
    wasm.activateBackward('tanh', d, z, a, n, 0)
    expect(Array.from(a.subarray(n))).toEqual([42, 42, 42])
    expect(Array.from(d.subarray(n))).toEqual([7, 7, 7])
    for (let i = 0; i < n; i++) expect(a[i]).toBeCloseTo(Math.tanh(z[i]), 6)
  })

  it('float64 operands go to the ts passes unchanged', () => {
    const z = Float64Array.from(inputs(17)), a = new Float64Array(17), want = new Float64Array(17)
    tsKernels.activate('sigmoid', want, z, 17, 0)
    wasm.activate('sigmoid', a, z, 17, 0)
    expect(Array.from(a)).toEqual(Array.from(want))
  })
})

describe('wasm optimiser updates', () => {
  const step = (t: number, decay: AdamStep['decay']): AdamStep =>
    ({ lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, bc1: 1 - 0.9 ** t, bc2: 1 - 0.999 ** t, decay })

  it('sgd, momentum, nesterov, adam and adamw are bit-identical to ts over several steps, n = 1, 3, 17, 129, 1000', () => {
    for (const n of SIZES) {
      const mask = Uint8Array.from({ length: n }, (_, i) => i % 3 === 0 ? 0 : 1)
      const p0 = randoms(n)
      type State = { p: Float32Array, m: Float32Array, v: Float32Array }
      const runs = {
        sgd: (k: typeof tsKernels, s: State, g: Float32Array) => k.sgdUpdate(s.p, g, n, 0.1),
        momentum: (k: typeof tsKernels, s: State, g: Float32Array) => k.momentumUpdate(s.p, g, s.v, n, 0.1, 0.9, false),
        nesterov: (k: typeof tsKernels, s: State, g: Float32Array) => k.momentumUpdate(s.p, g, s.v, n, 0.1, 0.9, true),
        adam: (k: typeof tsKernels, s: State, g: Float32Array, t: number) => k.adamUpdate(s.p, g, s.m, s.v, n, step(t, null)),
        adamw: (k: typeof tsKernels, s: State, g: Float32Array, t: number) => k.adamUpdate(s.p, g, s.m, s.v, n, step(t, { weightDecay: 0.1, mask }))
      }
      for (const [name, run] of Object.entries(runs)) {
        const a = { p: p0.slice(), m: new Float32Array(n), v: new Float32Array(n) }
        const b = { p: p0.slice(), m: new Float32Array(n), v: new Float32Array(n) }
        for (let t = 1; t <= 4; t++) {
          const g = randoms(n)
          run(tsKernels, a, g, t)
          run(wasm, b, g, t)
        }
        expect(bits(b.p), `${name} n=${n}`).toBe(bits(a.p))
        expect(bits(b.m), `${name} n=${n}`).toBe(bits(a.m))
        expect(bits(b.v), `${name} n=${n}`).toBe(bits(a.v))
        expect(bits(b.p)).not.toBe(bits(p0))
      }
    }
  })

  it('createOptimizer with the wasm kernels keeps t and state: same bits and same getState as with ts', () => {
    const n = 37
    const mask = Uint8Array.from({ length: n }, (_, i) => i % 2)
    for (const type of OPTIMIZERS) {
      const config = { type, learningRate: 0.05 } as OptimizerConfig
      const a = createOptimizer(config, mask), b = createOptimizer(config, mask, wasm)
      const pa = randoms(n), pb = pa.slice()
      for (let s = 0; s < 5; s++) { const g = randoms(n); a.step(pa, g, 0.05); b.step(pb, g, 0.05) }
      expect(bits(pb), type).toBe(bits(pa))
      const sa = a.getState(), sb = b.getState()
      expect(sb.t).toBe(5)
      expect(sb.buffers.map(bits)).toEqual(sa.buffers.map(bits))
    }
  })

  it('float64 params go to the ts updates unchanged', () => {
    const p = Float64Array.from(randoms(9)), q = p.slice(), g = Float64Array.from(randoms(9))
    const m = new Float64Array(9), v = new Float64Array(9), m2 = m.slice(), v2 = v.slice()
    tsKernels.adamUpdate(p, g, m, v, 9, step(1, null))
    wasm.adamUpdate(q, g, m2, v2, 9, step(1, null))
    expect(Array.from(q)).toEqual(Array.from(p))
  })
})

describe('training with the wasm passes', () => {
  it('run twice from one seed is bit-identical, for every optimiser; a tanh/sigmoid network learns iris', () => {
    const iris = classificationFixture('iris.csv').data
    const spec: NetworkSpec = {
      inputs: 4, layers: [{ units: 16, activation: 'tanh' }, { units: 8, activation: 'sigmoid' }], output: { units: 3, activation: 'softmax' }
    }
    for (const type of OPTIMIZERS) {
      const opts: TrainOptions = { epochs: 30, batchSize: 30, seed: 4, optimizer: { type, learningRate: type.startsWith('adam') ? 0.02 : 0.2 } as OptimizerConfig }
      const a = train(spec, iris, opts, { kernels: wasm }), b = train(spec, iris, opts, { kernels: wasm })
      expect(bits(a.params), type).toBe(bits(b.params))
      expect(a.history[29].loss, type).toBeLessThan(a.history[0].loss * 0.7)
    }
  })
})
