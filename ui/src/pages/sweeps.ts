/**
 * The sweep list: status, progress (trials done of all), the metric and the best mean so far, the
 * retrained model, a page at a time, refreshed while any shown sweep is unfinished.
 */
import { getJson } from '../api.js'
import { badge, h, note, num, pager, when } from '../dom.js'
import { go, type Route } from '../nav.js'
import { refreshWhileUnfinished } from '../refresh.js'
import type { Page, Sweep } from '../types.js'

const PAGE = 25

/** "log_loss (lower is better)" */
export const metricName = (s: Pick<Sweep, 'metric' | 'greaterIsBetter'>): string => `${s.metric} (${s.greaterIsBetter ? 'higher' : 'lower'} is better)`

export async function sweepsPage ({ query, signal }: Route): Promise<Node> {
  const offset = Number(query.get('offset') ?? 0) || 0
  const body = h('tbody', {})
  const fill = (sweeps: Sweep[]): void => {
    body.replaceChildren(...sweeps.map((s) => h('tr', {},
      h('td', {}, h('a', { href: `#/sweeps/${encodeURIComponent(s.id)}` }, s.modelName ?? 'no refit'), h('br', {}), h('code', { class: 'muted' }, s.id)),
      h('td', {}, badge(s.status)),
      h('td', {}, h('progress', { max: s.progress.trials, value: s.progress.trialsDone, 'aria-label': `${s.progress.trialsDone} of ${s.progress.trials} trials` }),
        ` ${num(s.progress.trialsDone)} / ${num(s.progress.trials)} trials`),
      h('td', {}, metricName(s)),
      h('td', {}, s.best ? `${num(s.best.mean)} ± ${num(s.best.std)} (trial ${s.best.trial})` : '—'),
      h('td', {}, s.modelId ? h('a', { href: `#/models/${encodeURIComponent(s.modelId)}` }, 'model') : '—'),
      h('td', {}, when(s.createdAt)))))
  }
  const load = async (): Promise<Page<Sweep>> => getJson<Page<Sweep>>(`/v1/sweeps?offset=${offset}&limit=${PAGE}`)
  const first = await load()
  fill(first.items)
  refreshWhileUnfinished(signal, first.items, load, fill)
  return h('section', {},
    h('h1', {}, 'Sweeps'),
    h('p', { class: 'muted' }, 'Hyper-parameter searches, each trial (and fold) a training job. Start one from the job form by giving fields several values, ' +
      'or with POST /v1/sweeps (random distributions and trials too).'),
    h('p', { class: 'actions' }, h('a', { class: 'button', href: '#/jobs/new?sweep=1' }, 'New sweep')),
    first.items.length === 0 && offset === 0
      ? note('No sweeps yet.')
      : h('div', { class: 'scroll' }, h('table', { id: 'sweep-list' },
        h('caption', {}, 'Sweeps, newest first'),
        h('thead', {}, h('tr', {}, ['Sweep', 'Status', 'Progress', 'Metric', 'Best mean ± std', 'Model', 'Created'].map((c) => h('th', { scope: 'col' }, c)))),
        body)),
    pager(offset, PAGE, first.total ?? first.items.length, (o) => go(`#/sweeps?offset=${o}`)))
}
