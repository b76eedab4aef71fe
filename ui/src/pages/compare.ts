/**
 * Several jobs' curves overlaid: validation loss where a job has it (else training loss), and accuracy.
 * Jobs come and go by the URL (`?ids=a,b`): the page lists recent jobs to add and a remove link per
 * shown job, so a job page's "compare with other jobs" leads somewhere.
 */
import { getJson } from '../api.js'
import { chart, colorOf } from '../curves.js'
import { h, note } from '../dom.js'
import type { Route } from '../nav.js'
import type { Epoch, Job, Page } from '../types.js'

/** One y array per job, aligned on the union of their epochs. */
function align (histories: Epoch[][], pick: (e: Epoch) => number | undefined): { x: number[], ys: (number | undefined)[][] } {
  const x = [...new Set(histories.flatMap((hs) => hs.map((e) => e.epoch)))].sort((a, b) => a - b)
  const ys = histories.map((hs) => {
    const by = new Map(hs.map((e) => [e.epoch, pick(e)]))
    return x.map((epoch) => by.get(epoch))
  })
  return { x, ys }
}

function swatch (color: string): HTMLElement {
  const el = h('span', { class: 'swatch', 'aria-hidden': 'true' })
  el.style.background = color
  return el
}

/** Most jobs overlaid at once (the palette's colours); recent jobs offered to add. */
const MAX_JOBS = 8
const OFFERED = 20

const compareHref = (ids: string[]): string => `#/compare?ids=${ids.map(encodeURIComponent).join(',')}`

/** Recent jobs not shown yet, as links that add one to the comparison (none once it holds MAX_JOBS). */
async function addable (ids: string[]): Promise<Node> {
  if (ids.length >= MAX_JOBS) return note(`At most ${MAX_JOBS} jobs are compared at once; remove one to add another.`)
  const recent = await getJson<Page<Job>>(`/v1/training-jobs?limit=${OFFERED}`)
  const others = recent.items.filter((j) => !ids.includes(j.id))
  if (others.length === 0) return note('No other jobs to add.')
  return h('nav', { 'aria-label': 'Add a job to the comparison' },
    h('h2', {}, 'Add a job'),
    h('ul', { class: 'addable' }, others.map((j) => h('li', {},
      // the accessible name holds the visible text (WCAG 2.5.3): a voice user says what is shown
      h('a', { href: compareHref([...ids, j.id]), 'aria-label': `Add ${j.modelName ?? 'job'} ${j.id.replace(/^job_/, '').slice(0, 6)} to the comparison` }, `${j.modelName ?? 'job'} ${j.id.replace(/^job_/, '').slice(0, 6)}`),
      ` — ${j.status}`))))
}

export async function comparePage ({ query }: Route): Promise<Node> {
  const ids = [...new Set((query.get('ids') ?? '').split(',').filter((s) => s !== ''))].slice(0, MAX_JOBS)
  if (ids.length === 0) return h('section', {}, h('h1', {}, 'Compare jobs'), note('Tick jobs in the training list, or add them here, to compare them.'), await addable(ids))
  const [jobs, add] = await Promise.all([Promise.all(ids.map((id) => getJson<Job>(`/v1/training-jobs/${encodeURIComponent(id)}`))), addable(ids)])
  const histories = jobs.map((j) => j.history ?? [])
  const names = jobs.map((j) => `${j.modelName ?? 'job'} ${j.id.replace(/^job_/, '').slice(0, 6)}`)
  const lines = names.map((label, i) => ({ label, color: colorOf(i) }))
  const loss = chart('Validation loss (training loss where a job has no validation split)', 'loss', lines, { log: true })
  const accuracy = chart('Validation accuracy (training accuracy where a job has no validation split)', 'accuracy', lines)
  const l = align(histories, (e) => e.valLoss ?? e.loss)
  const a = align(histories, (e) => e.valAccuracy ?? e.accuracy)
  requestAnimationFrame(() => {
    loss.set(l.x, l.ys)
    accuracy.set(a.x, a.ys)
    accuracy.el.hidden = a.ys.every((ys) => ys.every((v) => v === undefined))
  })
  return h('section', {},
    h('h1', {}, 'Compare jobs'),
    h('ul', { class: 'compared' }, jobs.map((j, i) => h('li', {}, swatch(colorOf(i)), ' ',
      h('a', { href: `#/jobs/${encodeURIComponent(j.id)}` }, names[i]), ` — ${j.status}, ${histories[i].length} epochs `,
      h('a', { href: compareHref(ids.filter((id) => id !== j.id)), 'aria-label': `Remove ${names[i]} from the comparison` }, 'Remove')))),
    h('div', { class: 'charts' }, loss.el, accuracy.el),
    add)
}
