/**
 * A network is its spec, its layer layout and one flat parameter buffer. forward writes z and a
 * for every layer into a workspace; backward reads them back and *adds* the summed (not yet
 * averaged) gradients of the rows into a flat gradient buffer of the same layout:
 *   δ(L) = a(L) − y,   δ(l) = (W(l+1)ᵀ δ(l+1)) ∘ f'(z(l)),   ∂W(l) += δ(l)ᵀ a(l−1),   ∂b(l) += Σ δ(l)
 */
import { allocate, type DType, type Vec } from './vec.js'
import { checkSpec, layout, parameterCount, type HeadName, type LayerLayout, type NetworkSpec, type ActivationName } from './spec.js'
import { heads } from './heads.js'
import { initParams } from './init.js'
import { Rng } from './random.js'
import { tsKernels, type Kernels } from './ops.js'

export interface Network {
  readonly spec: NetworkSpec
  readonly layers: readonly LayerLayout[]
  readonly params: Vec
  readonly dtype: DType
  /** per layer, views of W(l) (units × inputs) and b(l) into params, made once: a forward pass allocates nothing */
  readonly w: readonly Vec[]
  readonly b: readonly Vec[]
}

export interface CreateNetworkOptions { seed?: number, rng?: Rng, dtype?: DType, params?: Vec }

/** A network with fresh initial weights from the seed (or rng), or wrapping the given params. */
export function createNetwork (spec: NetworkSpec, opts: CreateNetworkOptions = {}): Network {
  checkSpec(spec)
  const layers = layout(spec)
  const n = parameterCount(spec)
  let params = opts.params
  if (params !== undefined) {
    if (params.length !== n) throw new RangeError(`the network needs ${n} parameters; got ${params.length}`)
  } else {
    params = allocate(opts.dtype ?? 'float32', n)
    initParams(params, layers, opts.rng ?? new Rng(opts.seed ?? 0))
  }
  const p = params
  return {
    spec, layers, params, dtype: params instanceof Float64Array ? 'float64' : 'float32',
    w: layers.map((L) => view(p, L.wOffset, L.units * L.inputs)),
    b: layers.map((L) => view(p, L.bOffset, L.units))
  }
}

/** Per-layer buffers for up to `batch` rows, allocated once and reused for every minibatch. */
export interface Workspace {
  readonly batch: number
  readonly z: Vec[]
  readonly a: Vec[]
  readonly dz: Vec[]
  /** scratch for transposed operands of the backward products */
  readonly wT: Vec
  readonly dzT: Vec
  readonly aT: Vec
}

export function createWorkspace (net: Network, batch: number): Workspace {
  const { layers, dtype } = net
  const widest = Math.max(net.spec.inputs, ...layers.map((l) => l.units))
  const biggestW = Math.max(...layers.map((l) => l.units * l.inputs))
  return {
    batch,
    z: layers.map((l) => allocate(dtype, batch * l.units)),
    a: layers.map((l) => allocate(dtype, batch * l.units)),
    dz: layers.map((l) => allocate(dtype, batch * l.units)),
    wT: allocate(dtype, biggestW),
    dzT: allocate(dtype, batch * widest),
    aT: allocate(dtype, batch * widest)
  }
}

const view = (v: Vec, from: number, n: number): Vec => v.subarray(from, from + n)

/** Runs B rows of x (B × inputs) through the network; returns the output activations (a view into ws). */
export function forward (net: Network, ws: Workspace, x: Vec, B: number, k: Kernels = tsKernels): Vec {
  const { layers } = net
  let input = x
  for (let l = 0; l < layers.length; l++) {
    const L = layers[l]
    const n = B * L.units
    const z = ws.z[l], a = ws.a[l]
    k.gemmNT(z, input, net.w[l], B, L.units, L.inputs, net.b[l], false)
    if (L.isOutput) heads[L.activation as HeadName].forward(a, z, B, L.units)
    else k.activate(L.activation as ActivationName, a, z, n, L.alpha)
    input = a
  }
  return ws.a[layers.length - 1]
}

/** Σ over the B rows of the head's loss, for the outputs of the last forward. */
export function headLoss (net: Network, ws: Workspace, y: Vec, B: number): number {
  const last = net.layers.length - 1
  const L = net.layers[last]
  return heads[L.activation as HeadName].loss(ws.z[last], ws.a[last], y, B, L.units)
}

/**
 * Adds the summed gradients of the last forward's B rows (targets y) into grads. With `overwrite`,
 * the weight gradients are written instead of added (the biases are still added: zero them first),
 * which gives the same bits as adding into zeros (no sum here is ever −0) without zeroing them.
 */
export function backward (net: Network, ws: Workspace, x: Vec, y: Vec, B: number, grads: Vec, k: Kernels = tsKernels, overwrite = false): void {
  const { layers } = net
  const last = layers.length - 1
  heads[layers[last].activation as HeadName].delta(ws.dz[last], ws.a[last], y, B, layers[last].units)
  for (let l = last; l >= 0; l--) {
    const L = layers[l]
    const I = L.inputs, O = L.units
    const dz = ws.dz[l]
    const input = l === 0 ? x : ws.a[l - 1]
    const native = net.dtype === 'float32' ? k : null // BLAS takes the transposed operands itself
    // ∂W (O×I) += δᵀ (O×B) · a(l−1) (B×I); for gemmNT, transpose both so the shared dimension B is contiguous
    if (native?.gemmTN) native.gemmTN(view(grads, L.wOffset, O * I), dz, input, O, I, B, !overwrite)
    else {
      k.transpose(ws.dzT, dz, B, O)
      k.transpose(ws.aT, input, B, I)
      k.gemmNT(view(grads, L.wOffset, O * I), ws.dzT, ws.aT, O, I, B, null, !overwrite)
    }
    k.addColumnSums(view(grads, L.bOffset, O), dz, B, O)
    if (l === 0) break
    // δ(l−1) = (δ(l) · W) ∘ f'(z(l−1)); for gemmNT, W·… as A·Bᵀ with Bᵀ = W, so B = Wᵀ (I×O)
    const P = layers[l - 1]
    if (native?.gemmNN) native.gemmNN(ws.dz[l - 1], dz, net.w[l], B, I, O, false)
    else {
      k.transpose(ws.wT, net.w[l], O, I)
      k.gemmNT(ws.dz[l - 1], dz, ws.wT, B, I, O, null, false)
    }
    k.activateBackward(P.activation as ActivationName, ws.dz[l - 1], ws.z[l - 1], ws.a[l - 1], B * I, P.alpha)
  }
}

/** λ/2·‖W‖² over weights only. */
export function l2Penalty (net: Network): number {
  const lambda = net.spec.l2 ?? 0
  if (lambda === 0) return 0
  let s = 0
  for (const L of net.layers) for (let i = L.wOffset; i < L.bOffset; i++) s += net.params[i] * net.params[i]
  return 0.5 * lambda * s
}

/** grads = grads / B + λW (weights only): turns summed row gradients into the minibatch mean plus the L2 term. */
export function finishGradients (net: Network, grads: Vec, B: number, k: Kernels = tsKernels): void {
  const inv = 1 / B
  const lambda = net.spec.l2 ?? 0
  const p = net.params
  // BLAS's sscal where the kernels have it (float32 × float32(1/B)); else one loop per element type,
  // since a loop over Vec sees both and runs several times slower (profiled on W1)
  if (grads instanceof Float32Array) { if (k.scal) k.scal(grads, grads.length, inv); else scale32(grads, inv) } else scale64(grads, inv)
  if (lambda !== 0) for (const L of net.layers) for (let i = L.wOffset; i < L.bOffset; i++) grads[i] += lambda * p[i]
}

function scale32 (g: Float32Array, s: number): void { for (let i = 0; i < g.length; i++) g[i] *= s }
function scale64 (g: Float64Array, s: number): void { for (let i = 0; i < g.length; i++) g[i] *= s }

/** Outputs (rows × output units) for raw rows of x, in chunks of the workspace's batch size. */
export function predict (net: Network, x: Vec, rows: number, ws: Workspace = createWorkspace(net, Math.min(rows, 256)), k: Kernels = tsKernels): Vec {
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
