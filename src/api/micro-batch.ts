/**
 * Micro-batching of one model's one-row requests: the rows that arrive in the same event-loop turn
 * run as one forward pass, so that with many concurrent clients a row costs a share of a matrix
 * product instead of a whole matrix-vector product. With the 'ts' and 'wasm' kernels a row's result does
 * not depend on the rows beside it: each output is the same sum in the same order, bit for bit. With
 * 'blas' it may differ in the last bits: a pass of one row is a cblas_sgemv, a pass of a few rows runs in
 * blocks of OpenBLAS's small-matrix sgemm (kernels/small-matrix.ts) and a larger one as one cblas_sgemm,
 * and OpenBLAS blocks and vectorises their sums differently (float32 rounding, a relative
 * difference of about 1e-6; a label can flip only on a near-tie). The pass reuses one input buffer and
 * the model's workspace: nothing is allocated per pass but the answers.
 */
import type { ModelInference } from '../inference/model-inference.js'
import { predictionOf, type Prediction } from './prediction-output.js'

export interface MicroBatch {
  /** The prediction of one row of codes (data/model-inputs.ts), after the next flush. */
  add (row: ArrayLike<number>): Promise<Prediction>
}

interface Pending { readonly row: ArrayLike<number>, resolve (p: Prediction): void, reject (err: unknown): void }

/** `batch`: the most rows in one pass (a full batch flushes at once); `counted` hears each pass's rows (for /metrics). */
export function createMicroBatch (model: ModelInference, batch: number, counted: (rows: number) => void): MicroBatch {
  const queue: Pending[] = []
  let scheduled = false
  /** the pass's model inputs (batch × inputs), made on the first flush */
  let x: Float32Array | undefined

  const flush = (): void => {
    scheduled = false
    const pending = queue.splice(0, batch)
    if (queue.length > 0) schedule()
    const B = pending.length
    // a full batch flushed at once leaves the pass scheduled for it with nothing to run
    if (B === 0) return
    try {
      x ??= new Float32Array(batch * model.spec.inputs)
      for (let r = 0; r < B; r++) model.inputs.rowInto(pending[r].row, x, r)
      counted(B)
      const { outputs, labels } = predictionOf(model, model.forward(x, B), B)
      pending.forEach((p, r) => { p.resolve(labels ? { outputs: [outputs[r]], labels: [labels[r]] } : { outputs: [outputs[r]] }) })
    } catch (err) {
      for (const p of pending) p.reject(err)
    }
  }
  const schedule = (): void => {
    if (scheduled) return
    scheduled = true
    // after this turn's I/O callbacks: every request parsed in the same turn joins the batch
    setImmediate(flush)
  }

  return {
    add (row) {
      return new Promise<Prediction>((resolve, reject) => {
        queue.push({ row, resolve, reject })
        if (queue.length >= batch) flush()
        else schedule()
      })
    }
  }
}
