/**
 * Where a running job's epochs and checkpoints leave the engine's callbacks for Redis. The engine
 * reports epochs as fast as it trains them (iris: thousands a second), and one write per epoch
 * cannot keep up: the writes queued without bound and a job's recorded progress fell minutes
 * behind its training (seen as a console curve that stopped growing). So the writer coalesces: all
 * epochs that arrived while a write was out go in the next write, in order, and of the checkpoints
 * that arrived meanwhile only the newest is saved (an older one is superseded before it lands).
 * A checkpoint is saved after the epochs up to it, so a resumed run never finds history missing.
 */
import type { EpochStats, TrainState } from '../nn/train.js'

export interface ProgressSinks {
  /** epochs in order, at least one */
  epochs (stats: readonly EpochStats[]): Promise<void>
  checkpoint (state: TrainState): Promise<void>
  /** a write failed; the writer goes on with the next ones */
  failed (err: Error): void
}

export interface ProgressWriter {
  epoch (stats: EpochStats): void
  checkpoint (state: TrainState): void
  /** Resolves once everything reported so far is written (or has failed). */
  flushed (): Promise<void>
}

export function createProgressWriter (sinks: ProgressSinks): ProgressWriter {
  let epochs: EpochStats[] = []
  let checkpoint: TrainState | undefined
  let running: Promise<void> | null = null

  async function drain (): Promise<void> {
    while (epochs.length > 0 || checkpoint !== undefined) {
      const batch = epochs
      const state = checkpoint
      epochs = []
      checkpoint = undefined
      try {
        if (batch.length > 0) await sinks.epochs(batch)
        if (state !== undefined) await sinks.checkpoint(state)
      } catch (err) {
        sinks.failed(err instanceof Error ? err : new Error(String(err)))
      }
    }
  }
  const kick = (): void => {
    if (running === null) running = drain().finally(() => { running = null })
  }
  return {
    epoch (stats) { epochs.push(stats); kick() },
    checkpoint (state) { checkpoint = state; kick() },
    async flushed () { while (running !== null) await running }
  }
}
