/**
 * A job's progress bar and its words. A running job's bar is epochs done of epochs asked; a job that
 * ended reads as ended: a succeeded job that stopped early (epoch 15 of 300) is full and says "stopped
 * early at epoch 15 of 300", not a 5%-full bar that looks unfinished.
 */
import { h, num } from './dom.js'
import type { Job } from './types.js'

export interface Progress { readonly value: number, readonly max: number, readonly text: string }

/** `last`: the last epoch the page has seen (the live history), else the job's own progress. */
export function progressOf (job: Pick<Job, 'status' | 'progress' | 'stopReason'>, last = job.progress.epoch): Progress {
  const { epochs } = job.progress
  if (job.status === 'succeeded') {
    // "early" is early stopping's word; a stop asked for (Stop and keep model) says so
    const how = job.stopReason === 'stopped' ? 'stopped by request' : 'stopped early'
    return { value: 1, max: 1, text: last < epochs ? `${how} at epoch ${num(last)} of ${num(epochs)}` : `epoch ${num(last)} of ${num(epochs)}` }
  }
  return { value: last, max: epochs, text: `epoch ${num(last)} of ${num(epochs)}` }
}

/** The bar, labelled with the words for screen readers. */
export const progressBar = (p: Progress): HTMLProgressElement =>
  h('progress', { max: p.max, value: p.value, 'aria-label': p.text })
