/**
 * Optimisers over the flat params/grads buffers: sgd, momentum and nesterov (PyTorch forms), adam, adamw.
 * One factory per method; each keeps the step count and state here and hands the per-element loop,
 * written out with no branch on the method inside it, to the kernels (nn/ops.ts).
 * Not here: the learning rate itself (a schedule passes it to every step), L2 (already in the grads), clipping.
 */
import { allocate, dtypeOf, type Vec } from './vec.js'
import { tsKernels, type Kernels } from './ops.js'

export const OPTIMIZERS = ['sgd', 'momentum', 'nesterov', 'adam', 'adamw'] as const
export type OptimizerName = (typeof OPTIMIZERS)[number]

/** `learningRate` is the schedule's base rate; `step` receives the scheduled rate for the current epoch. */
export type OptimizerConfig =
  | { type: 'sgd', learningRate: number }
  | { type: 'momentum', learningRate: number, momentum?: number }
  | { type: 'nesterov', learningRate: number, momentum?: number }
  | { type: 'adam', learningRate: number, beta1?: number, beta2?: number, epsilon?: number }
  | { type: 'adamw', learningRate: number, beta1?: number, beta2?: number, epsilon?: number, weightDecay?: number }

/**
 * Exact copies of everything a step depends on, for resumable training. `buffers` is empty until the
 * first step (they are sized then, in the params' dtype): momentum/nesterov [v], adam/adamw [m, v].
 */
export interface OptimizerState { type: OptimizerName, t: number, buffers: Vec[] }

export interface Optimizer {
  readonly type: OptimizerName
  /** One update of params in place from grads (already averaged over the minibatch, L2 already added). lr comes from the schedule. */
  step (params: Vec, grads: Vec, lr: number): void
  /** Deep copy. */
  getState (): OptimizerState
  /** Restores exactly; throws RangeError on type/length mismatch. */
  setState (state: OptimizerState): void
}

/** One update of p from g; s holds the method's state buffers, t is the 1-based step count. */
type Update = (p: Vec, g: Vec, lr: number, t: number, s: Vec[]) => void

function check (ok: boolean, message: string): void {
  if (!ok) throw new RangeError(message)
}

const inUnit = (x: number): boolean => Number.isFinite(x) && x >= 0 && x < 1

/** The bookkeeping every method shares: the step count, lazily sized state buffers, exact state copies. */
function stateful (type: OptimizerName, nBuffers: number, n: number, update: Update): Optimizer {
  let t = 0
  let buffers: Vec[] = []
  return {
    type,
    step (p, g, lr) {
      if (p.length !== n || g.length !== n) throw new RangeError(`${type}: expected ${n} params and grads, got ${p.length} and ${g.length}`)
      if (!(Number.isFinite(lr) && lr >= 0)) throw new RangeError(`${type}: learning rate must be a finite number ≥ 0, got ${lr}`)
      const dtype = dtypeOf(p)
      if (buffers.length !== nBuffers) {
        buffers = Array.from({ length: nBuffers }, () => allocate(dtype, n))
      } else if (nBuffers > 0 && dtypeOf(buffers[0]) !== dtype) {
        // state restored in the other dtype (e.g. float32 checkpoint, float64 params): convert once
        buffers = buffers.map((b) => { const c = allocate(dtype, n); c.set(b); return c })
      }
      t++
      update(p, g, lr, t, buffers)
    },
    getState () {
      return { type, t, buffers: buffers.map((b) => b.slice()) }
    },
    setState (s) {
      check(s.type === type, `cannot restore ${String(s.type)} optimizer state into a ${type} optimizer`)
      check(Number.isInteger(s.t) && s.t >= 0, `${type}: state.t must be an integer ≥ 0, got ${String(s.t)}`)
      check(Array.isArray(s.buffers), `${type}: state.buffers must be an array`)
      const fresh = s.t === 0 && s.buffers.length === 0
      check(fresh || s.buffers.length === nBuffers, `${type}: expected ${nBuffers} state buffers, got ${s.buffers.length}`)
      s.buffers.forEach((b, i) => {
        check(b instanceof Float32Array || b instanceof Float64Array, `${type}: state buffer ${i} must be a Float32Array or Float64Array`)
        check(b.length === n, `${type}: state buffer ${i} has length ${b.length}, expected ${n}`)
        check(dtypeOf(b) === dtypeOf(s.buffers[0]), `${type}: state buffers must share one dtype`)
      })
      t = s.t
      buffers = s.buffers.map((b) => b.slice())
    }
  }
}

// ---- the methods: bookkeeping here, the per-element loops in the kernels (nn/ops.ts) ------------

// p ← p − lr·g
function sgd (n: number, k: Kernels): Optimizer {
  return stateful('sgd', 0, n, (p, g, lr) => k.sgdUpdate(p, g, n, lr))
}

// v ← μv + g; p ← p − lr·v  (PyTorch's form: lr scales the velocity at use, so a schedule acts at once)
// nesterov: p ← p − lr·(g + μv)  (PyTorch's Nesterov: the look-ahead folded into the gradient)
function momentum (type: 'momentum' | 'nesterov', n: number, k: Kernels, mu = 0.9): Optimizer {
  check(inUnit(mu), `momentum must be in [0, 1), got ${mu}`)
  return stateful(type, 1, n, (p, g, lr, _t, [v]) => k.momentumUpdate(p, g, v, n, lr, mu, type === 'nesterov'))
}

interface AdamOptions { beta1?: number, beta2?: number, epsilon?: number }

function checkAdam (beta1: number, beta2: number, epsilon: number): void {
  check(inUnit(beta1), `beta1 must be in [0, 1), got ${beta1}`)
  check(inUnit(beta2), `beta2 must be in [0, 1), got ${beta2}`)
  check(Number.isFinite(epsilon) && epsilon > 0, `epsilon must be a finite number > 0, got ${epsilon}`)
}

// m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; p ← p − lr·m̂/(√v̂ + ε), m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ)
function adam (n: number, k: Kernels, { beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 }: AdamOptions = {}): Optimizer {
  checkAdam(beta1, beta2, epsilon)
  return stateful('adam', 2, n, (p, g, lr, t, [m, v]) => {
    k.adamUpdate(p, g, m, v, n, { lr, beta1, beta2, epsilon, bc1: 1 - Math.pow(beta1, t), bc2: 1 - Math.pow(beta2, t), decay: null })
  })
}

// adam, plus decoupled decay p ← p − lr·wd·p on weights only (mask = 1); biases are never decayed
function adamw (mask: Uint8Array, k: Kernels, { weightDecay = 0.01, ...opts }: AdamOptions & { weightDecay?: number } = {}): Optimizer {
  const { beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 } = opts
  checkAdam(beta1, beta2, epsilon)
  check(Number.isFinite(weightDecay) && weightDecay >= 0, `weightDecay must be a finite number ≥ 0, got ${weightDecay}`)
  const decay = { weightDecay, mask }
  return stateful('adamw', 2, mask.length, (p, g, lr, t, [m, v]) => {
    k.adamUpdate(p, g, m, v, mask.length, { lr, beta1, beta2, epsilon, bc1: 1 - Math.pow(beta1, t), bc2: 1 - Math.pow(beta2, t), decay })
  })
}

/**
 * mask = the network's decayMask (weightMask(spec)): its length fixes the parameter count every step is checked against.
 * kernels run the per-element loops (default: the plain TypeScript reference).
 */
export function createOptimizer (config: OptimizerConfig, mask: Uint8Array, kernels: Kernels = tsKernels): Optimizer {
  const n = mask.length
  switch (config.type) {
    case 'sgd': return sgd(n, kernels)
    case 'momentum': return momentum('momentum', n, kernels, config.momentum)
    case 'nesterov': return momentum('nesterov', n, kernels, config.momentum)
    case 'adam': return adam(n, kernels, config)
    case 'adamw': return adamw(mask, kernels, config)
    default: throw new RangeError(`optimizer must be one of ${OPTIMIZERS.join(', ')}, got ${String((config as { type: unknown }).type)}`)
  }
}
