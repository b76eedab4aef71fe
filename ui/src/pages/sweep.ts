/**
 * One sweep: status and progress, the results table ranked (best first; each trial's searched
 * parameters, the metric per fold, mean ± std, status, and a link to every child job), the best
 * trial and the retrained model, and a cancel button. Live from the sweep's event stream: each
 * `trial` event (a finished trial) and the `end` event read the sweep again, for its progress and
 * ranks, which every finished trial changes.
 */
import { getJson, sendJson } from '../api.js'
import { badge, h, note, num, when } from '../dom.js'
import { deleteButton } from '../delete-button.js'
import { followSweep } from '../events.js'
import type { Route } from '../nav.js'
import type { Sweep, TrialResult } from '../types.js'
import { metricName } from './sweeps.js'
import { datasetLink, datasetOrNone } from '../dataset-label.js'

const FINAL = new Set(['succeeded', 'failed', 'cancelled'])

/**
 * A searched field in the job form's words ("learning rate", "layer 1 units"); a path the form does not offer
 * (the API's random fields, say) as it is. A console trial read the paths as the API's, not the form's.
 */
export function paramLabel (path: string): string {
  const named: Record<string, string> = {
    'training.optimizer.learningRate': 'learning rate', 'training.optimizer.type': 'optimizer', 'training.batchSize': 'batch size',
    'training.epochs': 'epochs', 'training.seed': 'seed', 'network.l2': 'L2 penalty'
  }
  const layer = /^network\.layers\.(\d+)\.(units|dropout|activation)$/.exec(path)
  return named[path] ?? (layer ? `layer ${Number(layer[1]) + 1} ${layer[2]}` : path)
}

const paramsText = (params: Record<string, unknown>): string =>
  Object.entries(params).map(([k, v]) => `${paramLabel(k)} = ${typeof v === 'number' ? num(v) : typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ')

/** Ranked trials first, by rank; then the others in trial order. */
export const ranked = (results: readonly TrialResult[]): TrialResult[] =>
  [...results].sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || a.trial - b.trial)

function resultsTable (s: Sweep): HTMLElement {
  const folds = Math.max(1, ...(s.results ?? []).map((t) => t.folds.length))
  const foldHead = s.folds === null ? ['Score'] : Array.from({ length: folds }, (_, f) => `Fold ${f}`) // from 0, as the API, the job ids and the links number them
  return h('div', { class: 'scroll' }, h('table', { id: 'sweep-results' },
    h('caption', {}, `Trials ranked by the mean ${metricName(s)}${s.folds === null ? ' on the held-out rows' : ` over ${s.folds} folds`}`),
    h('thead', {}, h('tr', {}, ['Rank', 'Trial', 'Parameters', 'Mean ± std', ...foldHead, 'Status', 'Jobs'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, ranked(s.results ?? []).map((t) => h('tr', { 'data-trial': t.trial, class: t.rank === 1 ? 'best' : '' },
      h('td', { class: 'rank' }, t.rank === undefined ? '—' : String(t.rank)),
      h('td', {}, String(t.trial)),
      h('td', {}, paramsText(t.params)),
      h('td', {}, t.mean === undefined ? '—' : `${num(t.mean)} ± ${num(t.std)}`),
      ...Array.from({ length: foldHead.length }, (_, f) => h('td', {}, num(t.folds[f]?.score))),
      h('td', {}, badge(t.status), t.error ? h('small', { class: 'muted' }, ` ${t.error}`) : null),
      h('td', { class: 'jobs' }, t.folds.flatMap((f, i) => [i > 0 ? ' ' : '',
        h('a', { href: `#/jobs/${encodeURIComponent(f.jobId)}`, title: `${f.jobId}: ${f.status}`, 'aria-label': `trial ${t.trial}${f.fold === null ? '' : `, fold ${f.fold}`}: job ${f.status}` }, f.fold === null ? 'job' : `fold ${f.fold}`)])))))))
}

export async function sweepPage ({ params: [id], signal }: Route): Promise<Node> {
  const path = `/v1/sweeps/${encodeURIComponent(id)}`
  let sweep = await getJson<Sweep>(path)
  const dataset = await datasetOrNone(sweep.datasetId)
  const header = h('div', { class: 'sweep-status' })
  const results = h('div', {})
  const cancel = h('button', { type: 'button', id: 'cancel-sweep', class: 'danger' }, 'Cancel sweep')
  const message = h('div', { role: 'status', 'aria-live': 'polite' })

  const show = (): void => {
    const s = sweep
    const p = s.progress
    header.replaceChildren(
      h('p', { id: 'sweep-state' }, badge(s.status), ` ${num(p.trialsDone)} of ${num(p.trials)} trials done · ${num(p.jobsDone)} of ${num(p.jobs)} jobs${p.jobsCancelled ? ` · ${num(p.jobsCancelled)} cancelled` : ''}`),
      h('progress', { max: p.jobs, value: p.jobsDone, 'aria-label': 'Child jobs done' }),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Dataset'), h('dd', {}, datasetLink(s.datasetId, dataset)),
        h('dt', {}, 'Metric'), h('dd', {}, metricName(s)),
        h('dt', {}, 'Folds'), h('dd', {}, s.folds === null ? 'none (one holdout, the same rows for every trial)' : String(s.folds)),
        h('dt', {}, 'Best'), h('dd', { id: 'sweep-best' }, s.best ? `trial ${s.best.trial}: ${num(s.best.mean)} ± ${num(s.best.std)} (${paramsText(s.best.params)})` : '—'),
        h('dt', {}, 'Retrained'), h('dd', {}, s.retrainJobId ? h('a', { href: `#/jobs/${encodeURIComponent(s.retrainJobId)}` }, `the best trial's retraining (${s.retrainJobId})`) : '—'),
        h('dt', {}, 'Model'), h('dd', {}, s.modelId ? h('a', { href: `#/models/${encodeURIComponent(s.modelId)}`, id: 'sweep-model' }, `${s.modelName ?? ''} (${s.modelId})`) : s.refit ? '—' : 'none: the sweep ranks its trials only (refit false)'),
        h('dt', {}, 'Created'), h('dd', {}, when(s.createdAt)),
        h('dt', {}, 'Finished'), h('dd', {}, when(s.finishedAt))),
      ...(s.error ? [note(s.status === 'cancelled' ? `This sweep was cancelled: ${s.error}` : `This sweep ${s.status}: ${s.error}`, s.status === 'failed' ? 'error' : 'info')] : []))
    results.replaceChildren(resultsTable(s))
    cancel.hidden = FINAL.has(s.status)
  }

  // one read at a time; a read asked for while one runs is made once after it
  let reading: Promise<void> | null = null
  let again = false
  const reread = (): void => {
    if (reading) { again = true; return }
    reading = getJson<Sweep>(path).then((fresh) => { if (!signal.aborted) { sweep = fresh; show() } }, () => undefined)
      .finally(() => { reading = null; if (again) { again = false; reread() } })
  }

  cancel.addEventListener('click', () => {
    // as a job's cancel asks: a cancelled sweep ranks nothing and stores no model, whatever its finished trials scored
    const done = sweep.progress.jobsDone
    if (!window.confirm(`Cancel this sweep? It stores no model and ranks nothing${done > 0 ? `: the ${done} finished ${done === 1 ? 'job is' : 'jobs are'} kept for reading only` : ''}.`)) return
    cancel.disabled = true
    message.replaceChildren('Cancelling…')
    sendJson<Sweep>('POST', `${path}/cancel`).then(
      // a sweep that ended meanwhile says so itself (show()): the note is for one still stopping its children
      (s) => { sweep = s; show(); message.replaceChildren(FINAL.has(s.status) ? '' : 'Cancel requested; running children stop within one minibatch.') },
      (err: Error) => { cancel.disabled = false; message.replaceChildren(note(err.message, 'error')) })
  })

  if (!FINAL.has(sweep.status)) {
    void followSweep(id, signal, {
      onTrial () { reread() },
      onEnd () { reread() },
      onError (text) { message.replaceChildren(note(text, 'error')) },
      onResumed () { message.replaceChildren() }
    })
  }
  show()
  return h('section', {},
    h('h1', {}, `Sweep ${sweep.modelName ?? sweep.id}`),
    h('p', { class: 'muted' }, h('code', {}, sweep.id)),
    header, h('p', { class: 'actions' }, cancel, ...(FINAL.has(sweep.status) ? [deleteButton({ what: `sweep ${sweep.modelName ?? sweep.id}`, path: `/v1/sweeps/${encodeURIComponent(sweep.id)}`, after: '#/sweeps',
      consequence: 'Its results and every trial\'s job go; the model it stored stays.' })] : [])), message, results)
}
