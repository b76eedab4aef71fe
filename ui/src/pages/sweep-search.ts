/**
 * The job form's sweep: fields given several values each (a grid, as scikit-learn's GridSearchCV and
 * Ray Tune's grid_search take them), k-fold cross-validation, and the metric that ranks the trials. Any
 * searched field, or folds, turns the job into a sweep (POST /v1/sweeps) of every combination; the best
 * is retrained on all rows and stored under the job's model name. Random distributions and `trials`
 * stay with the API, where the README documents them.
 */
import { h } from '../dom.js'
import { parseValues, type SearchValue, type ValueKind } from '../value-list.js'

/** A field a sweep may search: its path in the job body (the API's searchSpace key), its label, its values. */
export interface SearchableField { readonly path: string, readonly label: string, readonly values: ValueKind, readonly example: string }

/** The metrics of src/schemas/sweep.ts, scikit-learn's names, by task; the first of each is the default. */
const METRICS = {
  classification: [['accuracy', 'accuracy (higher is better)'], ['log_loss', 'log_loss (lower is better)']],
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
  readonly element: HTMLElement
  /** True when a field is searched or folds are set: the form starts a sweep. */
  active (): boolean
  /** The sweep as the API takes it; throws a message naming the row to fix. */
  read (): SweepPlan
  /** The searchable fields changed (a layer added or removed), or the task did (the metrics follow the head). */
  refresh (task: 'classification' | 'regression'): void
}

interface Row { readonly element: HTMLElement, readonly field: HTMLSelectElement, readonly values: HTMLInputElement }

/** `fields`: the fields searchable now (they follow the hidden layers); `changed` hears every edit. */
export function sweepSearch (fields: () => SearchableField[], changed: () => void, open = false): SweepSearch {
  const rows: Row[] = []
  let made = 0
  const list = h('ol', { id: 'sweep-fields', class: 'sweep-rows', 'aria-label': 'Searched fields' })
  const folds = h('input', { id: 'sweep-folds', type: 'number', min: 2, max: 100, step: 1, placeholder: 'none', 'aria-describedby': 'sweep-folds-note' })
  const metric = h('select', { id: 'sweep-metric' })
  let task: 'classification' | 'regression' | undefined

  const fillFields = (select: HTMLSelectElement, keep: string): void => {
    const now = fields()
    select.replaceChildren(...now.map((f) => h('option', { value: f.path, selected: f.path === keep }, f.label)))
    // a layer's field whose layer was removed stays chosen, and read() names it
    if (keep !== '' && !now.some((f) => f.path === keep)) select.append(h('option', { value: keep, selected: true }, `${keep} (no longer in the network)`))
  }
  const placeholder = (row: Row): void => {
    const f = fields().find((x) => x.path === row.field.value)
    row.values.placeholder = f?.example ?? ''
  }
  const add = (): void => {
    const id = `sweep-field-${made++}`
    const taken = new Set(rows.map((r) => r.field.value))
    const first = fields().find((f) => !taken.has(f.path))?.path ?? ''
    const field = h('select', { id: `${id}-field`, 'aria-label': 'Field' })
    fillFields(field, first)
    const values = h('input', { id: `${id}-values`, type: 'text', inputmode: 'decimal', autocomplete: 'off', 'aria-label': 'Values, separated by commas' })
    const element = h('li', { class: 'sweep-row', id }, field, values,
      h('button', { type: 'button', class: 'remove', 'aria-label': 'Stop searching this field' }, 'Remove'))
    const row: Row = { element, field, values }
    placeholder(row)
    field.addEventListener('change', () => placeholder(row))
    element.querySelector('.remove')!.addEventListener('click', () => {
      rows.splice(rows.indexOf(row), 1)
      element.remove()
      changed()
    })
    rows.push(row)
    list.append(element)
    values.focus()
  }
  const more = h('button', { type: 'button', id: 'sweep-add-field' }, 'Search a field')
  more.addEventListener('click', () => { add(); changed() })

  const read = (): SweepPlan => {
    const searchSpace: Record<string, { type: 'grid', values: SearchValue[] }> = {}
    let configurations = 1
    const now = fields()
    rows.forEach((r, i) => {
      const f = now.find((x) => x.path === r.field.value)
      const where = `searched field ${i + 1}`
      if (f === undefined) throw new Error(`${where}: ${r.field.value} is no longer in the network; choose another field or remove the row`)
      if (Object.hasOwn(searchSpace, f.path)) throw new Error(`${where}: ${f.label} is searched twice; give all its values in one row`)
      let values: SearchValue[]
      try { values = parseValues(r.values.value, f.values) } catch (err) { throw new Error(`${where} (${f.label}): ${(err as Error).message}`) }
      searchSpace[f.path] = { type: 'grid', values }
      configurations *= values.length
    })
    const k = folds.value === '' ? undefined : Number(folds.value)
    if (k !== undefined && !(Number.isInteger(k) && k >= 2 && k <= 100)) throw new Error('folds: a whole number from 2 to 100, or empty for none (each trial is then scored on its validation split)')
    return { searchSpace, metric: metric.value, ...(k !== undefined ? { folds: k } : {}), configurations }
  }

  const details = h('details', { id: 'sweep', open },
    h('summary', {}, 'Search several values (a sweep)'),
    h('p', { class: 'muted' }, 'Give a field several values, separated by commas: every combination trains, as scikit-learn\'s GridSearchCV, ' +
      'with k-fold cross-validation if you set folds. The trials are ranked by the metric on rows each did not train on, and the best ' +
      'configuration is retrained on all rows and stored under the model name.'),
    list,
    more,
    h('div', { class: 'fields' },
      h('label', { for: 'sweep-folds' }, 'Folds'),
      h('div', {}, folds, h('small', { id: 'sweep-folds-note' }, 'k-fold cross-validation (scikit-learn\'s cv; stratified by class); empty: each trial is scored on its validation split')),
      h('label', { for: 'sweep-metric' }, 'Metric'),
      h('div', {}, metric, h('small', {}, 'what ranks the trials (scikit-learn\'s names)'))))
  details.addEventListener('input', changed)
  details.addEventListener('change', changed)

  return {
    element: details,
    active: () => rows.length > 0 || folds.value !== '',
    read,
    refresh (next) {
      for (const r of rows) { fillFields(r.field, r.field.value); placeholder(r) }
      if (next === task) return
      task = next
      metric.replaceChildren(...METRICS[next].map(([value, text], i) => h('option', { value, selected: i === 0 }, text)))
    }
  }
}
