/** Models grouped by name, versions newest first within each name, a page of the newest models at a time. */
import { getJson } from '../api.js'
import { h, note, num, pager, pct, when } from '../dom.js'
import { go, type Route } from '../nav.js'
import type { Model, Page } from '../types.js'

const PAGE = 100

/**
 * The headline score of a model: accuracy for classifiers, else the loss; on the validation rows
 * where the job held some out, and named so (a training score flatters an overfit model).
 */
export function headline (m: Model): string {
  const { metrics } = m
  if (metrics.valAccuracy !== undefined) return `val accuracy ${pct(metrics.valAccuracy)}`
  if (metrics.accuracy !== undefined) return `training accuracy ${pct(metrics.accuracy)}`
  if (metrics.valLoss !== undefined) return `val loss ${num(metrics.valLoss)}`
  return metrics.loss === undefined ? '—' : `training loss ${num(metrics.loss)}`
}

export async function modelsPage ({ query }: Route): Promise<Node> {
  const offset = Number(query.get('offset') ?? 0) || 0
  const page = await getJson<Page<Model>>(`/v1/models?offset=${offset}&limit=${PAGE}`)
  // a model stored without a modelName is named by its id: those are one group of their own, each by its id, not a card each
  const unnamed = page.items.filter((m) => m.name === m.id)
  const groups = new Map<string, Model[]>()
  for (const m of page.items) if (m.name !== m.id) groups.set(m.name, [...(groups.get(m.name) ?? []), m])
  const line = (m: Model, label: string): Node => h('li', {},
    h('a', { href: `#/models/${encodeURIComponent(m.id)}` }, label),
    ` · ${headline(m)} · ${num(m.parameterCount)} parameters · ${when(m.createdAt)}`)
  const sections = [...groups].map(([name, versions]) => h('section', { class: 'card', 'aria-label': `Model ${name}` },
    h('h2', {}, name),
    h('ul', { class: 'versions' }, versions.sort((a, b) => b.version - a.version).map((m) => line(m, `v${m.version}`)))))
  if (unnamed.length > 0) {
    sections.push(h('section', { class: 'card', 'aria-label': 'Unnamed models' },
      h('h2', {}, 'Without a name'),
      note('Jobs without a modelName store their model under its id; give one to version them together.'),
      h('ul', { class: 'versions' }, unnamed.map((m) => line(m, m.id)))))
  }
  return h('section', {},
    h('h1', {}, 'Models'),
    sections.length === 0 ? note('No models yet: a training job that succeeds stores one.') : h('div', { class: 'groups' }, sections),
    pager(offset, PAGE, page.total ?? page.items.length, (o) => go(`#/models?offset=${o}`)))
}
