/**
 * What every layer record has, in ConvNetJS's manner: its parameters (name, shape, initialisation,
 * whether weight decay applies), a forward that writes its output, and a backward that turns the
 * gradient of its output into the gradient of its input and *adds* its parameters' gradients.
 * The network (network.ts) walks the records; the optimiser and L2 see only the parameter list.
 * Not here: the output head (heads.ts), which fuses the last non-linearity with the loss.
 */
import type { Vec } from '../vec.js'
import type { Rng } from '../random.js'
import type { Kernels } from '../ops.js'

/** A parameter tensor as a layer kind declares it, before it has a place in the flat buffer. */
export interface ParamDef {
  /**
   * torch.nn's name for it in the matching module (weight, bias, …); once the network is built, the
   * full state_dict name (`layers.0.linear.weight`, `output.bias`): the export's key
   */
  readonly name: string
  /** row-major, torch.nn's shape (Linear weight [out, in]) */
  readonly shape: readonly number[]
  /** true when L2 and decoupled weight decay apply (weights), false for biases and norm parameters */
  readonly decay: boolean
  /** fills the tensor's values (a view of exactly its size) at initialisation, drawing from rng in order */
  readonly init: (v: Vec, rng: Rng) => void
  /** true when backward with `overwrite` writes this gradient instead of adding it (see Layer.backward) */
  readonly overwritten: boolean
  /** a buffer in torch's sense (batch norm's running statistics): saved with the weights, never given a gradient */
  readonly buffer?: boolean
}

/** A parameter placed in the network's flat buffer: `value` is a view of params[offset, offset + size). */
export interface Param extends ParamDef {
  readonly size: number
  readonly offset: number
  readonly value: Vec
}

/** A layer's buffers in a workspace, for up to `batch` rows: its output, the gradient of its output, and its own cache. */
export interface Slot {
  /** B × units */
  readonly out: Vec
  /** ∂J/∂out, B × units; the same buffer as the previous slot's d when the layer works in place */
  readonly d: Vec
  /** what forward keeps for backward (cacheSize(batch) values): a mask, per-row statistics, arg-max indices */
  readonly cache: Vec
  /** the slots of a composite layer's inner layers (residual blocks) */
  readonly inner: readonly Slot[]
}

/**
 * How a forward pass runs. Inference: dropout is the identity and batch norm uses its running
 * statistics. Training: dropout draws its mask from a counter-based generator keyed by
 * (seed, epoch, row id, unit), so the mask of a row depends on neither the shard nor the thread.
 */
export interface Pass {
  readonly train: boolean
  readonly seed: number
  readonly epoch: number
  /** the id of batch row r is rowIds[index[from + r]] (rowIds null: index[from + r]; index null: r) */
  readonly index: Int32Array | null
  readonly from: number
  readonly rowIds: Int32Array | null
}

export const INFERENCE: Pass = { train: false, seed: 0, epoch: 0, index: null, from: 0, rowIds: null }

/** The dataset row id of batch row r, the key of its dropout mask. */
export function rowId (p: Pass, r: number): number {
  if (p.index === null) return r
  const i = p.index[p.from + r]
  return p.rowIds === null ? i : p.rowIds[i]
}

/** Scratch shared by all layers of a workspace: transposed operands for the backward products. */
export interface Scratch {
  readonly wT: Vec
  readonly dzT: Vec
  readonly aT: Vec
}

export interface Layer {
  readonly kind: string
  /** input width and output width per row */
  readonly inputs: number
  readonly units: number
  readonly params: readonly Param[]
  /**
   * Element-wise layers compute ∂J/∂in in place over ∂J/∂out (d ← d ∘ f′): the workspace gives them
   * the previous layer's gradient buffer, so no copy is made.
   */
  readonly inPlace: boolean
  /** out (B × units) from input (B × inputs) */
  forward (input: Vec, s: Slot, B: number, k: Kernels, pass: Pass): void
  /**
   * From s.d = ∂J/∂out: adds ∂J/∂θ of the B rows (summed, not averaged) into grads (the flat gradient
   * buffer, same layout as the params), and writes ∂J/∂input into dIn unless it is null (first layer).
   * With `overwrite`, a layer may write instead of add the gradients it covers fully (see network.ts).
   */
  backward (input: Vec, s: Slot, dIn: Vec | null, B: number, grads: Vec, k: Kernels, scratch: Scratch, overwrite: boolean): void
  /** the size of each transposed scratch operand this layer needs (0 if none) */
  readonly scratchSize: { w: number, rows: number }
  /** values of Slot.cache for `batch` rows */
  cacheSize (batch: number): number
  /** a composite's inner layers, in order (their slots are made with this one's) */
  readonly inner: readonly Layer[]
  /**
   * A composite's own steps around its inner layers, for walks that run the inner layers themselves
   * (lockstep.ts): forward = inner forwards, then combine; backward = backwardStart, inner backwards
   * (the first one writing dIn), then backwardFinish.
   */
  readonly composite?: {
    combine (x: Vec, s: Slot, B: number, k: Kernels): void
    backwardStart (s: Slot, B: number): void
    backwardFinish (x: Vec, s: Slot, dIn: Vec | null, B: number, grads: Vec, k: Kernels, scratch: Scratch): void
  }
}

/** A layer kind with its shapes fixed, waiting for its parameters' place in the flat buffer. */
export interface LayerDef {
  readonly kind: string
  readonly inputs: number
  readonly units: number
  readonly params: readonly ParamDef[]
  /** the record, over its placed parameters (in the order of `params`) */
  make (params: readonly Param[]): Layer
}
