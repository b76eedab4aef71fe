/**
 * One training job: status, live loss and accuracy curves (training and validation) fed by the SSE
 * stream, the best epoch and any early stop marked, and stop (keeping the model) and cancel buttons. The page keeps the whole
 * history; the charts draw a thinned copy (curves.ts), redrawn at most once per animation frame.
 */
import { getJson, sendJson } from '../api.js'
import { chart, type Mark } from '../curves.js'
import { badge, count, h, note, num, pct, when } from '../dom.js'
import { deleteButton } from '../delete-button.js'
import { followJob } from '../events.js'
import type { Route } from '../nav.js'
import { progressBar, progressOf } from '../progress.js'
import type { Epoch, Job, NetworkSpec, TrainingOptions } from '../types.js'
import { layerSummary } from '../network-blocks.js'
import { datasetLink, datasetOrNone } from '../dataset-label.js'
import { weightsNote } from '../weights-epoch.js'

const FINAL = new Set(['succeeded', 'failed', 'cancelled'])

/** The best epoch as the server reports it, else the lowest validation (or training) loss so far. */
export function bestOf (job: Job, history: readonly Epoch[]): Mark | undefined {
  // null: no epoch ran to its end (a job diverged or cancelled in its first)
  if (job.bestEpoch !== undefined && job.bestEpoch !== null) return { epoch: job.bestEpoch, label: 'best', color: '#1a7f37' }
  if (history.length === 0) return undefined
  const val = history.some((e) => e.valLoss !== undefined)
  const loss = (e: Epoch): number => (val ? e.valLoss ?? Infinity : e.loss)
  const best = history.reduce((a, b) => (loss(b) < loss(a) ? b : a))
  const label = `${FINAL.has(job.status) ? 'best' : 'best so far'} (lowest ${val ? 'val ' : ''}loss)`
  return { epoch: best.epoch, label, color: '#1a7f37' }
}

/** The network in one line, as the job form describes it: 4 inputs → 8 tanh → 3 softmax. */
function networkSummary (n: NetworkSpec): string {
  return [count(n.inputs, 'input'), ...n.layers.map(layerSummary), `${n.output.units} ${n.output.activation}`].join(' → ') + (n.l2 ? `, L2 ${n.l2}` : '')
}

/** The options that made the run, in words: adam, learning rate 0.02, batch 16, 40 epochs, … */
function optionsSummary (o: TrainingOptions): string {
  const parts = [
    o.optimizer ? `${o.optimizer.type}, learning rate ${o.optimizer.learningRate}` : undefined,
    o.optimizer?.momentum !== undefined ? `momentum ${o.optimizer.momentum}` : undefined,
    o.optimizer?.weightDecay !== undefined ? `weight decay ${o.optimizer.weightDecay}` : undefined,
    o.schedule && o.schedule.type !== 'constant' ? `${o.schedule.type} schedule` : undefined,
    `batch ${o.batchSize ?? 'auto'}`,
    o.epochs !== undefined ? count(o.epochs, 'epoch') : undefined,
    o.validationSplit ? `${pct(o.validationSplit)} held out` : 'no validation rows',
    o.earlyStopping === false || o.earlyStopping === undefined ? 'no early stopping' : `early stopping after ${count(o.earlyStopping.patience, 'epoch')} without improvement`,
    o.seed !== undefined ? `seed ${o.seed}` : undefined,
    o.normalize !== undefined ? `${o.normalize} scaling` : undefined
  ]
  return parts.filter((p): p is string => p !== undefined).join(', ')
}

/** A stop reason (STOP_REASONS in src/schemas/training.ts) as the mark's words. */
const STOP_LABEL: Record<string, string> = { early_stopping: 'early stop', stopped: 'stopped by request', diverged: 'diverged', cancelled: 'cancelled' }

/**
 * The early stop (or cancel, or divergence) as the server reports it, else a succeeded job that ran fewer
 * epochs than asked. A run that did every epoch it was asked ('completed') gets no mark: the curve's
 * end says so, and a red "stopped" rule there would read as a stop.
 */
export function stopOf (job: Job, history: readonly Epoch[]): Mark | undefined {
  const last = history.at(-1)?.epoch
  if (job.stopReason === 'completed') return undefined
  if (job.stoppedEpoch !== undefined && job.stoppedEpoch > 0) return { epoch: job.stoppedEpoch, label: STOP_LABEL[job.stopReason ?? ''] ?? 'stopped', color: '#d1242f' }
  if (job.status === 'succeeded' && last !== undefined && last < job.progress.epochs) return { epoch: last, label: 'early stop', color: '#d1242f' }
  if ((job.status === 'cancelled' || job.status === 'failed') && last !== undefined) return { epoch: last, label: job.status, color: '#d1242f' }
  return undefined
}

export async function jobPage ({ params: [id], signal }: Route): Promise<Node> {
  let job = await getJson<Job>(`/v1/training-jobs/${encodeURIComponent(id)}`)
  const dataset = await datasetOrNone(job.datasetId)
  const history: Epoch[] = [...(job.history ?? [])]
  const loss = chart('Loss per epoch', 'loss', [
    { label: 'training loss', color: '#1f6feb' }, { label: 'validation loss', color: '#d1242f', dash: [8, 4] }], { log: true })
  const accuracy = chart('Accuracy per epoch', 'accuracy', [
    { label: 'training accuracy', color: '#1f6feb' }, { label: 'validation accuracy', color: '#d1242f', dash: [8, 4] }])
  const header = h('div', { class: 'job-status' })
  // a stop keeps the model (the best epoch's weights with early stopping); a cancel keeps nothing
  const stop = h('button', { type: 'button', id: 'stop-job', title: 'End after the current epoch and store the model' }, 'Stop and keep model')
  const cancel = h('button', { type: 'button', id: 'cancel-job', class: 'danger' }, 'Cancel job')
  const message = h('div', { role: 'status', 'aria-live': 'polite' })

  const showHeader = (): void => {
    const last = history.at(-1)
    const progress = progressOf(job, last?.epoch)
    header.replaceChildren(
      h('p', { id: 'job-state' }, badge(job.status), ` ${progress.text}`),
      progressBar(progress),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Dataset'), h('dd', {}, datasetLink(job.datasetId, dataset)),
        ...(job.sweep ? [h('dt', {}, 'Sweep'), h('dd', {}, h('a', { href: `#/sweeps/${encodeURIComponent(job.sweep.id)}`, id: 'job-sweep' }, job.sweep.id),
          ` (trial ${job.sweep.trial}${job.sweep.fold ? `, fold ${job.sweep.fold.index} of ${job.sweep.fold.k}` : ''})`)] : []),
        ...(job.network ? [h('dt', {}, 'Network'), h('dd', { id: 'job-network' }, networkSummary(job.network))] : []),
        ...(job.training ? [h('dt', {}, 'Options'), h('dd', { id: 'job-options' }, optionsSummary(job.training))] : []),
        // how many engine threads the worker gave it: fewer than TRAIN_THREADS when the minibatch has fewer 64-row shards
        ...(job.threads !== undefined ? [h('dt', {}, 'Threads'), h('dd', { id: 'job-threads' }, `${job.threads} (engine threads of the worker's pool this run trains on)`)] : []),
        h('dt', {}, 'Model'), h('dd', {}, job.modelId ? h('a', { href: `#/models/${encodeURIComponent(job.modelId)}`, id: 'job-model' }, `${job.modelName ?? 'model'} (${job.modelId})`) : '—',
          ...(job.modelId && weightsNote(job) ? [h('span', { id: 'job-weights-epoch' }, `, ${weightsNote(job) ?? ''}`)] : [])),
        h('dt', {}, 'Last epoch'), h('dd', {}, last ? `loss ${num(last.loss)}${last.valLoss !== undefined ? `, val loss ${num(last.valLoss)}` : ''}${last.valAccuracy !== undefined ? `, val accuracy ${pct(last.valAccuracy)}` : last.accuracy !== undefined ? `, accuracy ${pct(last.accuracy)}` : ''}` : '—'),
        ...(job.attempts !== undefined ? [h('dt', {}, 'Restarted'), h('dd', { id: 'job-attempts' },
          `attempt ${job.attempts}: a worker stopped or crashed mid-run, and this attempt ${job.resumedFromEpoch ? `resumed from epoch ${job.resumedFromEpoch}'s checkpoint` : 'started over'}`)] : []),
        h('dt', {}, 'Created'), h('dd', {}, when(job.createdAt)),
        h('dt', {}, 'Finished'), h('dd', {}, when(job.finishedAt))),
      ...(job.error ? [note(job.status === 'cancelled' ? `This job was cancelled: ${job.error}` : `This job ${job.status}: ${job.error}`, job.status === 'failed' ? 'error' : 'info')] : []),
      ...(job.cancelRequestedAt && !FINAL.has(job.status) ? [note(`Cancel requested ${when(job.cancelRequestedAt)}; the job stops within one minibatch.`)] : []),
      ...(job.stopRequestedAt && !FINAL.has(job.status) && !job.cancelRequestedAt ? [note(`Stop requested ${when(job.stopRequestedAt)}; the job ends after its current epoch and stores its model.`)] : []),
      ...(job.warnings ?? []).map((w) => note(w)))
    cancel.hidden = FINAL.has(job.status) || job.cancelRequestedAt !== undefined
    // only a running job has epochs to keep; a sweep's trials are compared at the same epochs (the API refuses both)
    stop.hidden = job.status !== 'running' || job.cancelRequestedAt !== undefined || job.stopRequestedAt !== undefined || job.sweep !== undefined
  }

  let frame = 0
  const draw = (): void => {
    frame = 0
    const x = history.map((e) => e.epoch)
    const marks = [bestOf(job, history), stopOf(job, history)].filter((m): m is Mark => m !== undefined)
    loss.set(x, [history.map((e) => e.loss), history.map((e) => e.valLoss)], marks)
    accuracy.el.hidden = !history.some((e) => e.accuracy !== undefined || e.valAccuracy !== undefined)
    accuracy.set(x, [history.map((e) => e.accuracy), history.map((e) => e.valAccuracy)], marks)
    showHeader()
  }
  const schedule = (): void => { if (frame === 0) frame = requestAnimationFrame(draw) }

  stop.addEventListener('click', () => {
    stop.disabled = true
    message.replaceChildren('Stopping…')
    sendJson<Job>('POST', `/v1/training-jobs/${encodeURIComponent(id)}/stop?history=none`).then(
      (answer) => {
        message.replaceChildren()
        job = { ...job, status: answer.status, stopRequestedAt: answer.stopRequestedAt }
        schedule()
      },
      (err: Error) => { stop.disabled = false; message.replaceChildren(note(err.message, 'error')) })
  })

  cancel.addEventListener('click', () => {
    // a cancelled job stores no model: one misclick must not throw away a long run's epochs
    const trained = history.at(-1)?.epoch ?? 0
    const lost = job.status === 'running' && trained > 0 ? `the ${count(trained, 'epoch')} trained so far are discarded` : 'it never starts'
    if (!window.confirm(`Cancel this job? A cancelled job stores no model: ${lost}.`)) return
    cancel.disabled = true
    message.replaceChildren('Cancelling…')
    sendJson<Job>('POST', `/v1/training-jobs/${encodeURIComponent(id)}/cancel?history=none`).then(
      (answer) => {
        message.replaceChildren()
        // a queued job is cancelled at once; a running one says when its cancel was asked for
        job = { ...job, status: answer.status, cancelRequestedAt: answer.cancelRequestedAt, error: answer.error }
        schedule()
      },
      (err: Error) => { cancel.disabled = false; message.replaceChildren(note(err.message, 'error')) })
  })

  if (!FINAL.has(job.status)) {
    void followJob(id, history.at(-1)?.epoch ?? 0, signal, {
      onEpoch (stats) { history.push(stats); if (job.status === 'queued') job = { ...job, status: 'running' }; schedule() },
      onEnd () {
        // the final record carries modelId, finishedAt and (where the server has them) best and stop epochs
        void getJson<Job>(`/v1/training-jobs/${encodeURIComponent(id)}`).then((final) => {
          job = final
          history.splice(0, history.length, ...(final.history ?? history))
          message.replaceChildren()
          schedule()
        })
      },
      onError (text) { message.replaceChildren(note(text, 'error')) },
      // the "interrupted; reconnecting" note would otherwise stay while the curves grow again
      onResumed () { message.replaceChildren() }
    })
  }
  const page = h('section', {},
    h('h1', {}, `Training job ${job.modelName ?? ''}`.trim()),
    h('p', { class: 'muted' }, h('code', {}, job.id), ' · ', h('a', { href: `#/compare?ids=${encodeURIComponent(job.id)}` }, 'compare with other jobs')),
    header, h('p', { class: 'actions' }, stop, ' ', cancel, ...(FINAL.has(job.status) && job.sweep === undefined ? [deleteButton({ what: `training job ${job.modelName ?? job.id}`, path: `/v1/training-jobs/${encodeURIComponent(job.id)}`, after: '#/jobs',
      consequence: 'Its record and epoch history go; the model it stored stays.' })] : [])), message,
    h('div', { class: 'charts' }, loss.el, accuracy.el))
  // uPlot measures its box: draw once the page is in the document
  requestAnimationFrame(draw)
  showHeader()
  return page
}
