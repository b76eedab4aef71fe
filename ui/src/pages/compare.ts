/** Several jobs' curves overlaid: validation loss where a job has it (else training loss), and accuracy. */
import { getJson } from '../api.js'
import { chart, colorOf } from '../curves.js'
import { h, note } from '../dom.js'
import type { Route } from '../nav.js'
import type { Epoch, Job } from '../types.js'

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

export async function comparePage ({ query }: Route): Promise<Node> {
  const ids = (query.get('ids') ?? '').split(',').filter((s) => s !== '').slice(0, 8)
  if (ids.length === 0) return h('section', {}, h('h1', {}, 'Compare jobs'), note('Tick jobs in the training list to compare them.'))
  const jobs = await Promise.all(ids.map((id) => getJson<Job>(`/v1/training-jobs/${encodeURIComponent(id)}`)))
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
    h('ul', {}, jobs.map((j, i) => h('li', {}, swatch(colorOf(i)), ' ',
      h('a', { href: `#/jobs/${encodeURIComponent(j.id)}` }, names[i]), ` — ${j.status}, ${histories[i].length} epochs`))),
    h('div', { class: 'charts' }, loss.el, accuracy.el))
}
