/**
 * The one inference path of a stored model: raw rows (codes, data/feature-columns.ts) → the model's
 * input pipeline (impute → one-hot encode → normalise, data/model-inputs.ts) → forward pass →
 * outputs in the targets' units (regression de-normalised) and class labels as the head reads them
 * (nn/heads.ts). Used by the predictor, the forward threads, evaluation, dataset predictions and a
 * job's validation scoring. Pure computation, no I/O: it runs on the event loop or on a thread alike.
 * Not here: reading request bodies (api/), HTTP errors, and the engine's batch predict on its pool.
 */
import { createNetwork, createWorkspace, forward, type Network, type Workspace } from '../nn/network.js'
import { headOf } from '../nn/heads.js'
import type { NetworkSpec } from '../nn/spec.js'
import { pinnedKernels, type KernelName, type Kernels } from '../kernels/index.js'
import { denormalizeRows, identityNormalization, type Normalization } from '../data/normalize.js'
import { createInputPipeline, rawColumnsOf, type InputPipeline, type Preprocessing } from '../data/model-inputs.js'

/** What inference reads of a stored model besides its network and weights (a ModelRecord has these fields). */
export interface InferenceMeta {
  /** raw columns and imputer; absent (models from before column kinds, imports without it): `spec.inputs` numeric columns */
  readonly preprocessing?: Preprocessing
  /** names of the raw columns; with no preprocessing they name the numeric columns (data/model-inputs.ts rawColumnsOf) */
  readonly featureNames?: readonly string[]
  /** of the encoded inputs; absent: none */
  readonly normalization?: Normalization
  /** regression only: outputs are mapped back through it */
  readonly targetNormalization?: Normalization
  readonly classes?: readonly string[]
}

/** Rows per forward pass of run(): the workspace is at most this size whatever the number of rows. */
export const INFERENCE_CHUNK = 256

/** A row of codes the input pipeline refused (e.g. a missing cell and no imputer): the row index and why. */
export class RowInputError extends RangeError {
  constructor (readonly row: number, readonly reason: string) {
    super(`row ${row}: ${reason}`)
  }
}

export interface ModelInference {
  readonly spec: NetworkSpec
  /** raw row (codes) → the network's inputs */
  readonly inputs: InputPipeline
  /**
   * Network outputs for `rows` rows of model inputs x (rows × spec.inputs, already through `inputs`): a view
   * of the workspace, rows × K at its start, valid until the next call. Allocates only when `rows` exceeds
   * every earlier call's (the workspace grows once), so a hot path of equal batches allocates nothing.
   */
  forward (x: Float32Array, rows: number): Float32Array
  /**
   * Rows of codes (rows × inputs.rawWidth) → network outputs (rows × K, probabilities or normalised
   * regression values), a new array, INFERENCE_CHUNK rows per pass. `codesOf` may rewrite a row first
   * (e.g. a dataset's category indices into the model's). Throws RowInputError for a row the pipeline refuses.
   */
  run (codes: Float32Array, rows: number, codesOf?: (row: Float32Array) => ArrayLike<number>): Float32Array
  /** The first `rows` rows of network outputs in the targets' units: regression outputs de-normalised (a new array), else `out` itself. */
  values (out: Float32Array, rows: number): Float32Array
  /** Class labels of the first `rows` rows of outputs, as the head reads them (Head.classOf); undefined when the outputs carry no labels. */
  labels (out: Float32Array, rows: number): string[] | undefined
}

/** Whether a model's outputs read as its classes: its head reads one class per row and it has that many classes. */
export function hasLabels (spec: NetworkSpec, classes: readonly string[] | undefined): boolean {
  const n = headOf(spec).classCount(spec.output.units)
  return n > 0 && classes?.length === n
}

/** The model's input pipeline (raw codes → network inputs), with the defaults of models stored without preprocessing. */
export function inputPipelineOf (spec: NetworkSpec, meta: InferenceMeta): InputPipeline {
  return createInputPipeline(rawColumnsOf(spec.inputs, meta), meta.normalization ?? identityNormalization(spec.inputs))
}

export interface InferenceOptions {
  /** GEMM kernels (config KERNELS); default 'auto' */
  kernels?: KernelName
  /** rows of the workspace made on the first forward pass (a micro-batch's size), so that batches up to it never regrow it */
  batch?: number
}

/**
 * A stored model ready to infer: its network, its own kernels (wasm: weights packed once, so each
 * holder pins its own), its input pipeline, and a workspace made on first use and grown to the
 * largest batch seen.
 */
export function createModelInference (spec: NetworkSpec, params: Float32Array, meta: InferenceMeta, { kernels = 'auto', batch = 1 }: InferenceOptions = {}): ModelInference {
  const net: Network = createNetwork(spec, { params })
  const k: Kernels = pinnedKernels(kernels, params)
  const inputs = inputPipelineOf(spec, meta)
  const head = headOf(spec)
  const K = spec.output.units
  const I = spec.inputs
  const scaleBack = head.task(K) === 'regression' ? meta.targetNormalization : undefined
  const labelled = hasLabels(spec, meta.classes)
  let ws: Workspace | undefined
  let scratch: Float32Array | undefined

  const forwardRows = (x: Float32Array, rows: number): Float32Array => {
    if (!ws || ws.batch < rows) ws = createWorkspace(net, Math.max(rows, batch, ws?.batch ?? 0), { forwardOnly: true })
    return forward(net, ws, x, rows, k) as Float32Array
  }

  return {
    spec,
    inputs,
    forward: forwardRows,
    run (m, rows, codesOf) {
      const R = inputs.rawWidth
      const out = new Float32Array(rows * K)
      scratch ??= new Float32Array(INFERENCE_CHUNK * I)
      for (let r = 0; r < rows; r += INFERENCE_CHUNK) {
        const B = Math.min(INFERENCE_CHUNK, rows - r)
        for (let i = 0; i < B; i++) {
          const row = m.subarray((r + i) * R, (r + i + 1) * R)
          try {
            inputs.rowInto(codesOf ? codesOf(row) : row, scratch, i)
          } catch (err) {
            if (err instanceof RangeError) throw new RowInputError(r + i, err.message)
            throw err
          }
        }
        out.set(forwardRows(scratch.subarray(0, B * I), B).subarray(0, B * K), r * K)
      }
      return out
    },
    values (out, rows) {
      return scaleBack ? denormalizeRows(out.subarray(0, rows * K), scaleBack) : out
    },
    labels (out, rows) {
      if (!labelled) return undefined
      const classes = meta.classes!
      return Array.from(head.classOf(out.subarray(0, rows * K), rows, K)!, (c) => classes[c])
    }
  }
}
