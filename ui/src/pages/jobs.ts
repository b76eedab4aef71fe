/**
 * The job list: status and progress, a page at a time (a tenant may have thousands), refreshed while
 * any shown job is still running; tick jobs to overlay their curves (compare page).
 */
import { getJson } from '../api.js'
import { badge, h, note, pager, when } from '../dom.js'
import { go, type Route } from '../nav.js'
import { progressBar, progressOf } from '../progress.js'
import { refreshWhileUnfinished } from '../refresh.js'
import type { Job, Page } from '../types.js'

const PAGE = 25

export async function jobsPage ({ query, signal }: Route): Promise<Node> {
  const offset = Number(query.get('offset') ?? 0) || 0
  const chosen = new Set<string>()
  const body = h('tbody', {})
  const compare = h('button', { type: 'button', disabled: true, onclick: () => go(`#/compare?ids=${[...chosen].map(encodeURIComponent).join(',')}`) }, 'Compare selected')
  const fill = (jobs: Job[]): void => {
    body.replaceChildren(...jobs.map((j) => {
      const box = h('input', { type: 'checkbox', 'aria-label': `Select job ${j.id} for comparison`, checked: chosen.has(j.id) })
      box.addEventListener('change', () => {
        if (box.checked) chosen.add(j.id); else chosen.delete(j.id)
        compare.disabled = chosen.size === 0
      })
      return h('tr', {},
        h('td', {}, box),
        h('td', {}, h('a', { href: `#/jobs/${encodeURIComponent(j.id)}` }, j.modelName ?? j.id)),
        h('td', {}, badge(j.status)),
        h('td', { class: 'progress' }, progressBar(progressOf(j)), ` ${progressOf(j).text}`),
        h('td', {}, j.modelId ? h('a', { href: `#/models/${encodeURIComponent(j.modelId)}` }, 'model') : '—'),
        h('td', {}, when(j.createdAt)))
    }))
  }
  const load = async (): Promise<Page<Job>> => getJson<Page<Job>>(`/v1/training-jobs?offset=${offset}&limit=${PAGE}`)
  const first = await load()
  fill(first.items)
  refreshWhileUnfinished(signal, first.items, load, fill)
  return h('section', {},
    h('h1', {}, 'Training jobs'),
    h('p', { class: 'actions' }, h('a', { class: 'button', href: '#/jobs/new' }, 'New training job'), compare),
    first.items.length === 0 && offset === 0
      ? note('No training jobs yet.')
      : h('div', { class: 'scroll' }, h('table', {},
        h('caption', {}, 'Training jobs, newest first'),
        h('thead', {}, h('tr', {}, ['', 'Job', 'Status', 'Progress', 'Model', 'Created'].map((c) => h('th', { scope: 'col' }, c)))),
        body)),
    pager(offset, PAGE, first.total ?? first.items.length, (o) => go(`#/jobs?offset=${o}`)))
}
