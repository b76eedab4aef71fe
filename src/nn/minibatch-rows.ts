/**
 * Batch normalisation needs at least two rows in every training minibatch. One row has a variance of
 * 0 over the minibatch: every unit normalises to 0 (then β), and the row teaches the layer nothing.
 * PyTorch's BatchNorm1d raises in train mode ("Expected more than 1 value per channel when
 * training"); so do we, before training, and name the batch size that avoids it. We refuse rather
 * than drop the last row silently (DataLoader's drop_last=True): the fix is one field, and a job that
 * trains on fewer rows than it was given would say nothing about it.
 */
import { hasBatchNorm } from './lockstep.js'
import type { NetworkSpec } from './spec.js'

/** Whether `rows` rows in minibatches of `batchSize` make a minibatch of one row: one row, minibatches of 1, or a last one of 1. */
const leavesOneRow = (rows: number, batchSize: number): boolean =>
  rows === 1 || batchSize === 1 || (rows > batchSize && rows % batchSize === 1)

/** The batch size nearest `batchSize` (the smaller on a tie) that leaves no minibatch of one row; null for one row. */
export function batchSizeWithoutOneRow (rows: number, batchSize: number): number | null {
  if (rows < 2) return null
  for (let d = 1; ; d++) {
    for (const b of [batchSize - d, batchSize + d]) if (b >= 2 && !leavesOneRow(rows, b)) return b
  }
}

/**
 * Why a network with batch norm cannot train on `rows` training rows (after the validation split) in
 * minibatches of `batchSize`, with the fix; null when it can, or when the network has no batch norm.
 */
export function oneRowMinibatch (spec: NetworkSpec, rows: number, batchSize: number): string | null {
  if (!hasBatchNorm(spec) || !leavesOneRow(rows, batchSize)) return null
  const why = 'batch normalisation needs at least 2 rows in every training minibatch (as PyTorch\'s BatchNorm1d: one row has no variance and normalises to 0)'
  const fix = batchSizeWithoutOneRow(rows, batchSize)
  if (fix === null) return `${why}; the job trains on ${rows} row: train on more rows, or use norm 'layer' (LayerNorm normalises each row on its own)`
  return `${why}; ${rows} training rows in minibatches of ${batchSize} leave a last minibatch of 1 row: set training.batchSize to ${fix} ` +
    '(or use norm \'layer\', which normalises each row on its own)'
}
