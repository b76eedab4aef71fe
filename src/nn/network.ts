/**
 * A network is its spec, its layer records (layers/) and one flat parameter buffer. forward walks
 * the records, each writing its output into a workspace, then the head; backward walks them back,
 * each turning the gradient of its output into that of its input and *adding* the summed (not yet
 * averaged) gradients of its parameters into a flat gradient buffer of the same layout. For the
 * dense stack this is the lecture's recurrence:
 *   δ(L) = a(L) − y,   δ(l) = (W(l+1)ᵀ δ(l+1)) ∘ f'(z(l)),   ∂W(l) += δ(l)ᵀ a(l−1),   ∂b(l) += Σ δ(l)
 */
import { allocate, type DType, type Vec } from './vec.js'
import { checkSpec, type HeadName, type NetworkSpec } from './spec.js'
import { heads } from './heads.js'
import { Rng } from './random.js'
import { tsKernels, type Kernels } from './ops.js'
import { decayMask, defsParameterCount, layerDefs, makeLayers } from './layers/build.js'
import { INFERENCE, type Layer, type Pass, type Param, type Scratch, type Slot } from './layers/layer.js'

export interface Network {
  readonly spec: NetworkSpec
  /** the layer records, input side first; the head reads the last one's output */
  readonly layers: readonly Layer[]
  readonly params: Vec
  readonly dtype: DType
  /** every parameter tensor, in buffer order: what the optimiser and L2 see */
  readonly parameters: readonly Param[]
  /** 1 where weight decay applies (L2, AdamW), per value of params */
  readonly decayMask: Uint8Array
}

export interface CreateNetworkOptions { seed?: number, rng?: Rng, dtype?: DType, params?: Vec }

/** A network with fresh initial weights from the seed (or rng), or wrapping the given params. */
export function createNetwork (spec: NetworkSpec, opts: CreateNetworkOptions = {}): Network {
  checkSpec(spec)
  const defs = layerDefs(spec)
  const n = defsParameterCount(defs)
  let params = opts.params
  const fresh = params === undefined
  if (params !== undefined) {
    if (params.length !== n) throw new RangeError(`the network needs ${n} parameters; got ${params.length}`)
  } else params = allocate(opts.dtype ?? 'float32', n)
  const layers = makeLayers(defs, params)
  const parameters = layers.flatMap((l) => l.params)
  if (fresh) {
    const rng = opts.rng ?? new Rng(opts.seed ?? 0)
    for (const p of parameters) p.init(p.value, rng)
  }
  // the mask is one byte per parameter, needed only to train: built on first use, since a network
  // made to predict (every call of a prediction thread) would otherwise pay for it (≈1 ms for W1's 235k)
  let mask: Uint8Array | undefined
  return {
    spec, layers, params, dtype: params instanceof Float64Array ? 'float64' : 'float32', parameters,
    get decayMask () { return (mask ??= decayMask(defs)) }
  }
}

/** Per-layer buffers for up to `batch` rows, allocated once and reused for every minibatch. */
export interface Workspace {
  readonly batch: number
  /** one per layer record */
  readonly slots: readonly Slot[]
  /** the head's outputs (B × output units) */
  readonly out: Vec
  readonly scratch: Scratch
}

/**
 * `forwardOnly` (prediction, scoring): no gradient buffers and no transposed scratch, which only
 * backward uses: for W1's 256-row chunks 1.6 MB of the 2.4 MB, each of whose pages costs a fault on
 * first touch (13 µs on this VM).
 */
export function createWorkspace (net: Network, batch: number, { forwardOnly = false }: { forwardOnly?: boolean } = {}): Workspace {
  const all = flatten(net.layers)
  const widest = Math.max(net.spec.inputs, ...all.map((l) => l.scratchSize.rows))
  const backward = forwardOnly ? 0 : 1
  return {
    batch,
    slots: makeSlots(net.layers, batch, net.dtype, forwardOnly),
    out: allocate(net.dtype, batch * net.spec.output.units),
    scratch: {
      wT: allocate(net.dtype, backward * Math.max(0, ...all.map((l) => l.scratchSize.w))),
      dzT: allocate(net.dtype, backward * batch * widest),
      aT: allocate(net.dtype, backward * batch * widest)
    }
  }
}

const flatten = (layers: readonly Layer[]): Layer[] => layers.flatMap((l) => [l, ...flatten(l.inner)])

function makeSlots (layers: readonly Layer[], batch: number, dtype: DType, forwardOnly: boolean): Slot[] {
  const slots: Slot[] = []
  for (let i = 0; i < layers.length; i++) {
    const n = batch * layers[i].units
    // an in-place layer's ∂in is its ∂out: the two share the previous slot's buffer
    const d = layers[i].inPlace && i > 0 ? slots[i - 1].d : allocate(dtype, forwardOnly ? 0 : n)
    slots.push({ out: allocate(dtype, n), d, cache: allocate(dtype, layers[i].cacheSize(batch)), inner: makeSlots(layers[i].inner, batch, dtype, forwardOnly) })
  }
  return slots
}

const headOf = (net: Network): (typeof heads)[HeadName] => heads[net.spec.output.activation]

/**
 * Runs B rows of x (B × inputs) through the network; returns the output activations (a view into ws).
 * In inference mode unless a training pass is given (dropout active, batch statistics).
 */
export function forward (net: Network, ws: Workspace, x: Vec, B: number, k: Kernels = tsKernels, pass: Pass = INFERENCE): Vec {
  const { layers } = net
  let input = x
  for (let i = 0; i < layers.length; i++) {
    layers[i].forward(input, ws.slots[i], B, k, pass)
    input = ws.slots[i].out
  }
  headOf(net).forward(ws.out, input, B, net.spec.output.units)
  return ws.out
}

/** Σ over the B rows of the head's loss, for the outputs of the last forward. */
export function headLoss (net: Network, ws: Workspace, y: Vec, B: number): number {
  const logits = ws.slots[net.layers.length - 1].out
  return headOf(net).loss(logits, ws.out, y, B, net.spec.output.units)
}

/**
 * Adds the summed gradients of the last forward's B rows (targets y) into grads. With `overwrite`,
 * the gradients of parameters marked `overwritten` (the Linear weights) are written instead of
 * added, which gives the same bits as adding into zeros (no sum here is ever −0) without zeroing
 * them; the others are still added: zero them first (zeroAccumulated).
 */
export function backward (net: Network, ws: Workspace, x: Vec, y: Vec, B: number, grads: Vec, k: Kernels = tsKernels, overwrite = false): void {
  const { layers } = net
  const last = layers.length - 1
  headOf(net).delta(ws.slots[last].d, ws.out, y, B, net.spec.output.units)
  for (let i = last; i >= 0; i--) {
    const input = i === 0 ? x : ws.slots[i - 1].out
    layers[i].backward(input, ws.slots[i], i === 0 ? null : ws.slots[i - 1].d, B, grads, k, ws.scratch, overwrite)
  }
}

/** Zeroes the gradients that backward adds even with `overwrite` (all but the `overwritten` ones). */
export function zeroAccumulated (net: Network, grads: Vec): void {
  for (const p of net.parameters) if (!p.overwritten) grads.fill(0, p.offset, p.offset + p.size)
}

/** λ/2·‖θ‖² over the parameters weight decay applies to (weights, not biases). */
export function l2Penalty (net: Network): number {
  const lambda = net.spec.l2 ?? 0
  if (lambda === 0) return 0
  let s = 0
  for (const p of net.parameters) {
    if (!p.decay) continue
    const v = p.value
    for (let i = 0; i < v.length; i++) s += v[i] * v[i]
  }
  return 0.5 * lambda * s
}

/** grads = grads / B + λθ (decayed parameters only): turns summed row gradients into the minibatch mean plus the L2 term. */
export function finishGradients (net: Network, grads: Vec, B: number, k: Kernels = tsKernels): void {
  const inv = 1 / B
  // BLAS's sscal where the kernels have it (float32 × float32(1/B)); else one loop per element type,
  // since a loop over Vec sees both and runs several times slower (profiled on W1)
  if (grads instanceof Float32Array) { if (k.scal) k.scal(grads, grads.length, inv); else scale32(grads, inv) } else scale64(grads, inv)
  addL2(net, grads, 0, grads.length)
}

/** grads[i] += λ·params[i] for decayed parameters, over the slice [lo, hi) of the buffer. */
export function addL2 (net: Network, grads: Vec, lo: number, hi: number): void {
  const lambda = net.spec.l2 ?? 0
  if (lambda === 0) return
  const p = net.params
  for (const t of net.parameters) {
    if (!t.decay) continue
    for (let i = Math.max(lo, t.offset), e = Math.min(hi, t.offset + t.size); i < e; i++) grads[i] += lambda * p[i]
  }
}

function scale32 (g: Float32Array, s: number): void { for (let i = 0; i < g.length; i++) g[i] *= s }
function scale64 (g: Float64Array, s: number): void { for (let i = 0; i < g.length; i++) g[i] *= s }

const view = (v: Vec, from: number, n: number): Vec => v.subarray(from, from + n)

/** Outputs (rows × output units) for raw rows of x, in chunks of the workspace's batch size. */
export function predict (net: Network, x: Vec, rows: number, ws: Workspace = createWorkspace(net, Math.min(rows, 256), { forwardOnly: true }), k: Kernels = tsKernels): Vec {
  const I = net.spec.inputs
  const K = net.spec.output.units
  const out = allocate(net.dtype, rows * K)
  for (let r = 0; r < rows; r += ws.batch) {
    const B = Math.min(ws.batch, rows - r)
    const a = forward(net, ws, view(x, r * I, B * I), B, k)
    out.set(a.subarray(0, B * K), r * K)
  }
  return out
}
