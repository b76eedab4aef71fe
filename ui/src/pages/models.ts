/** Models grouped by name, versions newest first within each name, a page of the newest models at a time. */
import { getJson, sendJson } from '../api.js'
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
    pager(offset, PAGE, page.total ?? page.items.length, (o) => go(`#/models?offset=${o}`)),
    // after the models: the page is theirs, and the skip link's next Tab lands on the newest
    importForm())
}

/**
 * Import: a model's JSON export (Export JSON on a model's page, or one written by hand in its format) sent
 * as it is to POST /v1/models, which stores it as the next version of its name; then its page. A console
 * trial found export one-way: the console had no import.
 */
function importForm (): HTMLElement {
  const file = h('input', { type: 'file', id: 'import-file', accept: 'application/json,.json', required: true }) as HTMLInputElement
  const status = h('div', { role: 'status', 'aria-live': 'polite' })
  const form = h('form', { class: 'card import', 'aria-label': 'Import a model' },
    h('h2', {}, 'Import a model'),
    h('p', { class: 'muted' }, 'A JSON export (a model page\'s Export JSON): it is stored as the next version of the name it carries.'),
    h('label', { for: 'import-file' }, 'Export file'), ' ', file, ' ',
    h('button', { type: 'submit' }, 'Import'),
    status)
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    const chosen = file.files?.[0]
    if (!chosen) return
    status.replaceChildren('Importing…')
    // the file's bytes as they are: the API reads and checks them (a file that is not JSON gets its own 400)
    sendJson<{ id: string }>('POST', '/v1/models', chosen, 'application/json').then(
      (model) => { go(`#/models/${encodeURIComponent(model.id)}`) },
      (err: Error) => { status.replaceChildren(note(err.message, 'error')) })
  })
  return form
}
