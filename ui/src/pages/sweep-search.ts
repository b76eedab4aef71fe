/**
 * The job form's sweep: fields given several values each (a grid, as scikit-learn's GridSearchCV and
 * Ray Tune's grid_search take them), k-fold cross-validation, and the metric that ranks the trials. Any
 * searched field, or folds, turns the job into a sweep (POST /v1/sweeps) of every combination; the best
 * is retrained on all rows and stored under the job's model name. Random distributions and `trials`
 * stay with the API, where the README documents them.
 */
import { h } from '../dom.js'
import { parseValues, type SearchValue, type ValueKind } from '../value-list.js'

/**
 * A field a sweep may search. `key` names it for as long as it exists (a hidden layer's field by the
 * layer's own id, so that removing another layer leaves it on its layer); `path` is where it is now in
 * the job body (the API's searchSpace key), `label` what the form calls it now.
 */
export interface SearchableField { readonly key: string, readonly path: string, readonly label: string, readonly values: ValueKind, readonly example: string }

/** The metrics of src/schemas/sweep.ts, scikit-learn's names, by task; the first of each is the default. */
const METRICS = {
  classification: [['accuracy', 'accuracy (higher is better)'], ['balanced_accuracy', 'balanced_accuracy (higher is better)'], ['f1_macro', 'f1_macro (higher is better)'],
    ['f1_weighted', 'f1_weighted (higher is better)'], ['roc_auc_ovr', 'roc_auc_ovr (higher is better)'], ['log_loss', 'log_loss (lower is better)']],
  regression: [['r2', 'r2 (higher is better)'], ['mean_squared_error', 'mean_squared_error (lower is better)'], ['mean_absolute_error', 'mean_absolute_error (lower is better)']]
} as const

export interface SweepPlan {
  readonly searchSpace: Record<string, { readonly type: 'grid', readonly values: SearchValue[] }>
  readonly metric: string
  readonly folds?: number
  /** grid points: the product of the fields' value counts */
  readonly configurations: number
}

export interface SweepSearch {
  readonly element: HTMLDetailsElement
  /** True when a field is searched or folds are set: the form starts a sweep. */
  active (): boolean
  /** The paths of the fields searched now (their base fields in the form may be left empty). */
  searched (): Set<string>
  /** The sweep as the API takes it; throws a message naming the row to fix. */
  read (): SweepPlan
  /** The searchable fields changed (a layer added or removed), or the task did (the metrics follow the head). */
  refresh (task: 'classification' | 'regression'): void
}

interface Row { readonly element: HTMLElement, readonly field: HTMLSelectElement, readonly values: HTMLInputElement, readonly remove: HTMLButtonElement, label: string }

/**
 * `fields`: the fields searchable now (they follow the hidden layers); `changed` hears every edit. `open`:
 * the section starts open, with the learning rate offered as a first searched field ("New sweep").
 */
export function sweepSearch (fields: () => SearchableField[], changed: () => void, open = false): SweepSearch {
  const rows: Row[] = []
  let made = 0
  const list = h('ol', { id: 'sweep-fields', class: 'sweep-rows', 'aria-label': 'Searched fields' })
  // checked by read(), not by the browser: a collapsed section's invalid input would stop Start without a word
  const folds = h('input', { id: 'sweep-folds', type: 'text', inputmode: 'numeric', autocomplete: 'off', placeholder: 'none', 'aria-describedby': 'sweep-folds-note' })
  const metric = h('select', { id: 'sweep-metric' })
  let task: 'classification' | 'regression' | undefined

  const fillFields = (row: Row, keep: string): void => {
    const now = fields()
    const current = now.find((f) => f.key === keep)
    if (current !== undefined) row.label = current.label
    row.field.replaceChildren(...now.map((f) => h('option', { value: f.key, selected: f.key === keep }, f.label)))
    // a field of a removed layer stays chosen, and read() names it
    if (keep !== '' && current === undefined) row.field.append(h('option', { value: keep, selected: true }, `${row.label} (its layer was removed)`))
    row.values.placeholder = current?.example ?? ''
  }
  // every control names its row, as the errors do ("searched field 2")
  const renumber = (): void => rows.forEach((r, i) => {
    r.field.setAttribute('aria-label', `Searched field ${i + 1}: field`)
    r.values.setAttribute('aria-label', `Searched field ${i + 1}: values, separated by commas`)
    r.remove.setAttribute('aria-label', `Remove field ${i + 1} from the search`)
  })
  // an edit the form's own input and change listeners hear (they redraw Start and drop a stale error)
  const edited = (): void => { details.dispatchEvent(new Event('change', { bubbles: true })) }
  const more = h('button', { type: 'button', id: 'sweep-add-field' }, 'Search a field')
  const add = (): void => {
    const id = `sweep-field-${made++}`
    const taken = new Set(rows.map((r) => r.field.value))
    const first = fields().find((f) => !taken.has(f.key))?.key ?? ''
    const field = h('select', { id: `${id}-field` })
    const values = h('input', { id: `${id}-values`, type: 'text', autocomplete: 'off', spellcheck: 'false' })
    const remove = h('button', { type: 'button', class: 'remove' }, 'Remove')
    const element = h('li', { class: 'sweep-row', id }, field, values, remove)
    const row: Row = { element, field, values, remove, label: '' }
    fillFields(row, first)
    field.addEventListener('change', () => fillFields(row, field.value))
    remove.addEventListener('click', () => {
      rows.splice(rows.indexOf(row), 1)
      element.remove()
      renumber()
      more.focus()
      edited()
    })
    rows.push(row)
    list.append(element)
    renumber()
  }
  more.addEventListener('click', () => { add(); rows[rows.length - 1].values.focus(); edited() })

  const details = h('details', { id: 'sweep', open },
    h('summary', {}, 'Search several values (a sweep)'),
    h('p', { class: 'muted' }, 'Give a field several values, separated by commas: every combination trains, as scikit-learn\'s GridSearchCV, ' +
      'with k-fold cross-validation if you set folds. The trials are ranked by the metric on rows each did not train on, and the best ' +
      'configuration is retrained on all rows (less its validation split, as any job) and stored under the model name. A searched field\'s value above is not used.'),
    list,
    more,
    h('div', { class: 'fields' },
      h('label', { for: 'sweep-folds' }, 'Folds'),
      h('div', {}, folds, h('small', { id: 'sweep-folds-note' }, 'k-fold cross-validation (scikit-learn\'s cv; stratified by class), 2 to 100; empty: every trial is scored on the same held-out rows, a validation-split share drawn from the sweep\'s seed')),
      h('label', { for: 'sweep-metric' }, 'Metric'),
      h('div', {}, metric, h('small', {}, 'what ranks the trials (scikit-learn\'s names)'))))
  details.addEventListener('input', changed)
  details.addEventListener('change', changed)
  if (open) add()

  const read = (): SweepPlan => {
    const searchSpace: Record<string, { type: 'grid', values: SearchValue[] }> = {}
    let configurations = 1
    const now = fields()
    rows.forEach((r, i) => {
      const f = now.find((x) => x.key === r.field.value)
      const where = `searched field ${i + 1}`
      if (f === undefined) throw new Error(`${where}: ${r.label}'s layer was removed; choose another field or remove the row`)
      if (Object.hasOwn(searchSpace, f.path)) throw new Error(`${where}: ${f.label} is searched twice; give all its values in one row`)
      let values: SearchValue[]
      try { values = parseValues(r.values.value, f.values) } catch (err) { throw new Error(`${where} (${f.label}): ${(err as Error).message}`) }
      searchSpace[f.path] = { type: 'grid', values }
      configurations *= values.length
    })
    const text = folds.value.trim()
    const k = text === '' ? undefined : Number(text)
    if (k !== undefined && !(Number.isInteger(k) && k >= 2 && k <= 100)) throw new Error(`folds: ${JSON.stringify(text)} is not a whole number from 2 to 100; leave it empty for none (every trial is then scored on the same held-out rows)`)
    return { searchSpace, metric: metric.value, ...(k !== undefined ? { folds: k } : {}), configurations }
  }

  return {
    element: details,
    active: () => rows.length > 0 || folds.value.trim() !== '',
    searched () {
      const now = fields()
      return new Set(rows.map((r) => now.find((f) => f.key === r.field.value)?.path).filter((p): p is string => p !== undefined))
    },
    read,
    refresh (next) {
      for (const r of rows) fillFields(r, r.field.value)
      if (next === task) return
      task = next
      metric.replaceChildren(...METRICS[next].map(([value, text], i) => h('option', { value, selected: i === 0 }, text)))
    }
  }
}
