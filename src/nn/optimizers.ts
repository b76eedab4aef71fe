/**
 * Optimisers over the flat params/grads buffers: sgd, momentum and nesterov (PyTorch forms), adam, adamw.
 * One factory per method, so each update loop is written out with no branch on the method inside it.
 * Not here: the learning rate itself (a schedule passes it to every step), L2 (already in the grads), clipping.
 */
import { allocate, dtypeOf, type Vec } from './vec.js'

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

// ---- the methods ------------------------------------------------------------------------------

// p ← p − lr·g
function sgd (n: number): Optimizer {
  return stateful('sgd', 0, n, (p, g, lr) => {
    for (let i = 0; i < p.length; i++) p[i] -= lr * g[i]
  })
}

// v ← μv + g; p ← p − lr·v  (PyTorch's form: lr scales the velocity at use, so a schedule acts at once)
function momentum (n: number, mu = 0.9): Optimizer {
  check(inUnit(mu), `momentum must be in [0, 1), got ${mu}`)
  return stateful('momentum', 1, n, (p, g, lr, _t, [v]) => {
    for (let i = 0; i < p.length; i++) {
      v[i] = mu * v[i] + g[i]
      p[i] -= lr * v[i]
    }
  })
}

// v ← μv + g; p ← p − lr·(g + μv)  (PyTorch's Nesterov: the look-ahead folded into the gradient)
function nesterov (n: number, mu = 0.9): Optimizer {
  check(inUnit(mu), `momentum must be in [0, 1), got ${mu}`)
  return stateful('nesterov', 1, n, (p, g, lr, _t, [v]) => {
    for (let i = 0; i < p.length; i++) {
      v[i] = mu * v[i] + g[i]
      p[i] -= lr * (g[i] + mu * v[i])
    }
  })
}

interface AdamOptions { beta1?: number, beta2?: number, epsilon?: number }

function checkAdam (beta1: number, beta2: number, epsilon: number): void {
  check(inUnit(beta1), `beta1 must be in [0, 1), got ${beta1}`)
  check(inUnit(beta2), `beta2 must be in [0, 1), got ${beta2}`)
  check(Number.isFinite(epsilon) && epsilon > 0, `epsilon must be a finite number > 0, got ${epsilon}`)
}

// m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; p ← p − lr·m̂/(√v̂ + ε), m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ)
function adam (n: number, { beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 }: AdamOptions = {}): Optimizer {
  checkAdam(beta1, beta2, epsilon)
  return stateful('adam', 2, n, (p, g, lr, t, [m, v]) => {
    const bc1 = 1 - Math.pow(beta1, t)
    const bc2 = 1 - Math.pow(beta2, t)
    for (let i = 0; i < p.length; i++) {
      m[i] = beta1 * m[i] + (1 - beta1) * g[i]
      v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
      p[i] -= lr * (m[i] / bc1) / (Math.sqrt(v[i] / bc2) + epsilon)
    }
  })
}

// adam, plus decoupled decay p ← p − lr·wd·p on weights only (mask = 1); biases are never decayed
function adamw (mask: Uint8Array, { weightDecay = 0.01, ...opts }: AdamOptions & { weightDecay?: number } = {}): Optimizer {
  const { beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 } = opts
  checkAdam(beta1, beta2, epsilon)
  check(Number.isFinite(weightDecay) && weightDecay >= 0, `weightDecay must be a finite number ≥ 0, got ${weightDecay}`)
  return stateful('adamw', 2, mask.length, (p, g, lr, t, [m, v]) => {
    const bc1 = 1 - Math.pow(beta1, t)
    const bc2 = 1 - Math.pow(beta2, t)
    for (let i = 0; i < p.length; i++) {
      m[i] = beta1 * m[i] + (1 - beta1) * g[i]
      v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
      // the decay reads p before this step's update, as in llm.c's gpt2_update
      p[i] -= lr * ((m[i] / bc1) / (Math.sqrt(v[i] / bc2) + epsilon) + weightDecay * mask[i] * p[i])
    }
  })
}

/** mask = weightMask(spec): its length fixes the parameter count every step is checked against. */
export function createOptimizer (config: OptimizerConfig, mask: Uint8Array): Optimizer {
  const n = mask.length
  switch (config.type) {
    case 'sgd': return sgd(n)
    case 'momentum': return momentum(n, config.momentum)
    case 'nesterov': return nesterov(n, config.momentum)
    case 'adam': return adam(n, config)
    case 'adamw': return adamw(mask, config)
    default: throw new RangeError(`optimizer must be one of ${OPTIMIZERS.join(', ')}, got ${String((config as { type: unknown }).type)}`)
  }
}
