/**
 * Optimisers over the flat params/grads buffers: sgd, momentum and nesterov (PyTorch forms), adam, adamw.
 * One factory per method; each keeps the step count and state here and hands the per-element loop,
 * written out with no branch on the method inside it, to the kernels (nn/ops.ts).
 * Not here: the learning rate itself (a schedule passes it to every step), L2 (already in the grads), clipping.
 */
import { allocate, copyInto, dtypeOf, type Vec } from './vec.js'
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

/** The options an optimizer config may leave out, and what they then are (PyTorch's defaults). */
export const OPTIMIZER_DEFAULTS = { momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01 } as const

/** The config with every option it left out written in: what a step uses, for a record of the run. */
export function withOptimizerDefaults (c: OptimizerConfig): OptimizerConfig {
  const { momentum, beta1, beta2, epsilon, weightDecay } = OPTIMIZER_DEFAULTS
  switch (c.type) {
    case 'momentum':
    case 'nesterov': return { ...c, momentum: c.momentum ?? momentum }
    case 'adam': return { ...c, beta1: c.beta1 ?? beta1, beta2: c.beta2 ?? beta2, epsilon: c.epsilon ?? epsilon }
    case 'adamw': return { ...c, beta1: c.beta1 ?? beta1, beta2: c.beta2 ?? beta2, epsilon: c.epsilon ?? epsilon, weightDecay: c.weightDecay ?? weightDecay }
    default: return c
  }
}

/**
 * Exact copies of everything a step depends on, for resumable training. `buffers` is empty until the
 * first step (they are sized then, in the params' dtype): momentum/nesterov [v], adam/adamw [m, v].
 */
export interface OptimizerState { type: OptimizerName, t: number, buffers: Vec[] }

export interface Optimizer {
  readonly type: OptimizerName
  /** One update of params in place from grads (already averaged over the minibatch, L2 already added). lr comes from the schedule. */
  step (params: Vec, grads: Vec, lr: number): void
  /**
   * For a caller that applies the update itself, slice by slice (the parallel engine, each thread a
   * slice): checks and counts the step like `step`, sizes the state, and returns what every slice
   * needs. `step(p, g, lr)` is `begin(p, g, lr)` then `applyUpdate` over [0, n); the update is
   * element-wise, so slicing never changes a bit.
   */
  begin (params: Vec, grads: Vec, lr: number): StepPlan
  /**
   * Deep copy; into `reuse`'s buffers where they match (count, length, dtype), so that a caller that
   * keeps a copy every epoch does not allocate, and touch fresh pages of, the whole state each time.
   */
  getState (reuse?: OptimizerState): OptimizerState
  /** Restores exactly; throws RangeError on type/length mismatch. */
  setState (state: OptimizerState): void
}

/** One step's scalars and state, as `applyUpdate` needs them for any slice. */
export interface StepPlan { lr: number, t: number, buffers: Vec[] }

/** Where the state buffers live (e.g. memory shared with the threads that apply slices); by default fresh arrays. */
export type StateAllocator = (dtype: 'float32' | 'float64', n: number, index: number) => Vec

const freshState: StateAllocator = (dtype, n) => allocate(dtype, n)

function check (ok: boolean, message: string): void {
  if (!ok) throw new RangeError(message)
}

const inUnit = (x: number): boolean => Number.isFinite(x) && x >= 0 && x < 1

/** State buffers per method: momentum/nesterov [v], adam/adamw [m, v]. */
export function stateBufferCount (type: OptimizerName): number {
  return type === 'sgd' ? 0 : type === 'momentum' || type === 'nesterov' ? 1 : 2
}

/**
 * The update of one slice [lo, hi) of the parameters, given the step's plan: the per-element loops
 * are the kernels' (nn/ops.ts), run over subarrays. `mask` is the network's decayMask (AdamW).
 */
export function applyUpdate (config: OptimizerConfig, k: Kernels, mask: Uint8Array, p: Vec, g: Vec, { lr, t, buffers }: StepPlan, lo: number, hi: number): void {
  const n = hi - lo
  if (n <= 0) return
  const ps = p.subarray(lo, hi), gs = g.subarray(lo, hi)
  switch (config.type) {
    // p ← p − lr·g
    case 'sgd': k.sgdUpdate(ps, gs, n, lr); return
    // v ← μv + g; p ← p − lr·v  (PyTorch's form: lr scales the velocity at use, so a schedule acts at once)
    // nesterov: p ← p − lr·(g + μv)  (PyTorch's Nesterov: the look-ahead folded into the gradient)
    case 'momentum':
    case 'nesterov':
      k.momentumUpdate(ps, gs, buffers[0].subarray(lo, hi), n, lr, config.momentum ?? OPTIMIZER_DEFAULTS.momentum, config.type === 'nesterov'); return
    // m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; p ← p − lr·m̂/(√v̂ + ε), m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ)
    // adamw: plus decoupled decay p ← p − lr·wd·p on weights only (mask = 1); biases are never decayed
    case 'adam':
    case 'adamw': {
      const { beta1 = OPTIMIZER_DEFAULTS.beta1, beta2 = OPTIMIZER_DEFAULTS.beta2, epsilon = OPTIMIZER_DEFAULTS.epsilon } = config
      const decay = config.type === 'adamw' ? { weightDecay: config.weightDecay ?? OPTIMIZER_DEFAULTS.weightDecay, mask: mask.subarray(lo, hi) } : null
      k.adamUpdate(ps, gs, buffers[0].subarray(lo, hi), buffers[1].subarray(lo, hi), n,
        { lr, beta1, beta2, epsilon, bc1: 1 - Math.pow(beta1, t), bc2: 1 - Math.pow(beta2, t), decay })
    }
  }
}

/** The bookkeeping every method shares: the step count, lazily sized state buffers, exact state copies. */
function stateful (config: OptimizerConfig, mask: Uint8Array, k: Kernels, alloc: StateAllocator): Optimizer {
  const type = config.type
  const n = mask.length
  const nBuffers = stateBufferCount(type)
  let t = 0
  let buffers: Vec[] = []
  /** src copied into the allocator's buffers, in its own dtype or converted to `dtype` */
  const intoAllocated = (src: Vec[], dtype?: 'float32' | 'float64'): Vec[] => src.map((b, i) => { const c = alloc(dtype ?? dtypeOf(b), n, i); c.set(b); return c })
  const begin = (p: Vec, g: Vec, lr: number): StepPlan => {
    if (p.length !== n || g.length !== n) throw new RangeError(`${type}: expected ${n} params and grads, got ${p.length} and ${g.length}`)
    if (!(Number.isFinite(lr) && lr >= 0)) throw new RangeError(`${type}: learning rate must be a finite number ≥ 0, got ${lr}`)
    const dtype = dtypeOf(p)
    if (buffers.length !== nBuffers) {
      buffers = Array.from({ length: nBuffers }, (_, i) => alloc(dtype, n, i).fill(0))
    } else if (nBuffers > 0 && dtypeOf(buffers[0]) !== dtype) {
      // state restored in the other dtype (e.g. float32 checkpoint, float64 params): convert once
      buffers = intoAllocated(buffers, dtype)
    }
    t++
    return { lr, t, buffers }
  }
  return {
    type,
    begin,
    step (p, g, lr) { applyUpdate(config, k, mask, p, g, begin(p, g, lr), 0, n) },
    getState (reuse) {
      return {
        type,
        t,
        buffers: buffers.map((b, i) => copyInto(reuse?.buffers[i], b))
      }
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
      buffers = intoAllocated(s.buffers)
    }
  }
}

function checkConfig (config: OptimizerConfig): void {
  if (config.type === 'momentum' || config.type === 'nesterov') {
    const mu = config.momentum ?? OPTIMIZER_DEFAULTS.momentum
    check(inUnit(mu), `momentum must be in [0, 1), got ${mu}`)
  }
  if (config.type === 'adam' || config.type === 'adamw') {
    const { beta1 = OPTIMIZER_DEFAULTS.beta1, beta2 = OPTIMIZER_DEFAULTS.beta2, epsilon = OPTIMIZER_DEFAULTS.epsilon } = config
    check(inUnit(beta1), `beta1 must be in [0, 1), got ${beta1}`)
    check(inUnit(beta2), `beta2 must be in [0, 1), got ${beta2}`)
    check(Number.isFinite(epsilon) && epsilon > 0, `epsilon must be a finite number > 0, got ${epsilon}`)
  }
  if (config.type === 'adamw') {
    const weightDecay = config.weightDecay ?? OPTIMIZER_DEFAULTS.weightDecay
    check(Number.isFinite(weightDecay) && weightDecay >= 0, `weightDecay must be a finite number ≥ 0, got ${weightDecay}`)
  }
}

/**
 * mask = the network's decayMask (weightMask(spec)): its length fixes the parameter count every step is checked against.
 * kernels run the per-element loops (default: the plain TypeScript reference); alloc places the state buffers.
 */
export function createOptimizer (config: OptimizerConfig, mask: Uint8Array, kernels: Kernels = tsKernels, alloc: StateAllocator = freshState): Optimizer {
  if (!(OPTIMIZERS as readonly string[]).includes(config.type)) {
    throw new RangeError(`optimizer must be one of ${OPTIMIZERS.join(', ')}, got ${String((config as { type: unknown }).type)}`)
  }
  checkConfig(config)
  return stateful(config, mask, kernels, alloc)
}
