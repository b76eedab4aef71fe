/**
 * A model scored on a stored dataset through POST /v1/models/{ref}/evaluate (issue 11's contract):
 * a confusion matrix heat map (rows = true class, columns = predicted) and per-class precision,
 * recall, F1 and support for classifiers; per label the same, its ROC AUC and counts for multi-label models;
 * MSE, RMSE, MAE and R² per output for regression. On a
 * server without the route it says so instead. Each result is kept for the tab's session (evaluated).
 */
import { ApiError, allItems, apiKey, sendJson } from '../api.js'
import { datasetOption } from '../dataset-label.js'
import { count, h, note, num, pct, table } from '../dom.js'
import type { Dataset, Evaluation, Model, Scores } from '../types.js'

/**
 * Black or white, whichever contrasts more with the HSL colour (WCAG 2's relative luminance): one of
 * them is always at least 4.58:1. White on every cell past 60% of its row had read 1.7–2.3:1 on the
 * light greens (a console trial's axe check).
 */
export function textOn (hue: number, saturation: number, lightness: number): '#000' | '#fff' {
  const a = saturation * Math.min(lightness, 1 - lightness)
  const channel = (n: number): number => {
    const k = (n + hue / 30) % 12
    const c = lightness - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  }
  const luminance = 0.2126 * channel(0) + 0.7152 * channel(8) + 0.0722 * channel(4)
  return (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) ? '#000' : '#fff'
}

/** The confusion matrix as a table whose cells are shaded by their share of the row (recall). */
export function heatMap (classes: string[], matrix: number[][]): HTMLElement {
  const cell = (count: number, rowTotal: number, diagonal: boolean): HTMLElement => {
    const share = rowTotal === 0 ? 0 : count / rowTotal
    const td = h('td', { title: `${count} (${pct(share)} of the row)`, class: diagonal ? 'diag' : '' }, String(count))
    const hue = diagonal ? 140 : 5
    const lightness = Math.round(97 - 52 * share)
    td.style.background = `hsl(${hue} 70% ${lightness}%)`
    td.style.color = textOn(hue, 0.7, lightness / 100)
    return td
  }
  const table = h('table', { class: 'heat', id: 'confusion-matrix', 'aria-labelledby': 'confusion-matrix-title' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'true ╲ predicted'), classes.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, matrix.map((row, i) => {
      const total = row.reduce((s, v) => s + v, 0)
      return h('tr', {}, h('th', { scope: 'row' }, classes[i]), row.map((v, j) => cell(v, total, i === j)))
    })))
  // the title stands outside the scrolling box: a caption is as wide as its table, so on a phone it was cut off mid-word
  return h('div', {},
    h('p', { class: 'table-title', id: 'confusion-matrix-title' }, 'Confusion matrix: rows are the true class, columns the predicted class'),
    h('div', { class: 'scroll' }, table))
}

const scoreRow = (label: string, s: Scores): string[] => [label, num(s.precision, 3), num(s.recall, 3), num(s.f1, 3), num(s.support)]

/** Categories of the dataset the model never saw, scored as all zeros: said next to the scores they are part of. */
function unknownNote (e: Evaluation): HTMLElement | null {
  const unknown = e.unknownCategories ?? []
  if (unknown.length === 0) return null
  const rows = unknown.reduce((n, u) => n + u.rows, 0)
  const shown = unknown.slice(0, 6).map((u) => `${u.field} "${u.value}" (${count(u.rows, 'row')})`).join(', ')
  return note(`Categories the model never saw, scored as all zeros in their one-hot columns: ${shown}${unknown.length > 6 ? ', …' : ''}; ${count(rows, 'value')} in all.`, 'info')
}

function resultView (e: Evaluation): HTMLElement {
  const m = e.metrics
  if (e.task === 'classification') {
    const classes = m.classes ?? []
    return h('div', {},
      unknownNote(e),
      h('p', {}, `${count(e.rows, 'row')} · accuracy ${pct(m.accuracy)} · log loss ${num(m.logLoss)}${m.rocAuc !== undefined && m.rocAuc !== null ? ` · ROC AUC ${num(m.rocAuc, 3)}` : ''}`),
      m.confusionMatrix ? heatMap(classes, m.confusionMatrix) : null,
      m.perClass ? h('div', { class: 'scroll' }, table('Per-class scores', ['Class', 'Precision', 'Recall', 'F1', 'Support'], [
        ...m.perClass.map((c) => scoreRow(c.label, c)),
        ...(m.macroAvg ? [scoreRow('macro avg', m.macroAvg)] : []),
        ...(m.weightedAvg ? [scoreRow('weighted avg', m.weightedAvg)] : [])])) : null)
  }
  if (e.task === 'multi-label') {
    // each label on its own: its counts as tn fp / fn tp beside its scores, since a heat map per label would be a wall of 2 × 2s
    const labels = m.perLabel ?? []
    return h('div', {},
      unknownNote(e),
      h('p', {}, `${count(e.rows, 'row')} · every label right (subset accuracy) ${pct(m.accuracy)} · labels wrong (Hamming loss) ${pct(m.hammingLoss)}` +
        `${m.rocAuc !== undefined && m.rocAuc !== null ? ` · ROC AUC ${num(m.rocAuc, 3)}` : ''}`),
      h('div', { class: 'scroll' }, table('Per-label scores', ['Label', 'Precision', 'Recall', 'F1', 'Support', 'ROC AUC', 'tn · fp · fn · tp'], [
        ...labels.map((l) => [...scoreRow(l.label, l), l.rocAuc === null ? '—' : num(l.rocAuc, 3), l.confusionMatrix.flat().join(' · ')]),
        ...(['micro', 'macro', 'weighted', 'samples'] as const).flatMap((k) => {
          const s = m[`${k}Avg`]
          return s ? [[...scoreRow(`${k} avg`, s), '', '']] : []
        })])))
  }
  return h('div', {},
    unknownNote(e),
    // several outputs: each score is the mean of the outputs' (scikit-learn's uniform_average), so the RMSE is
    // not √MSE, and the line says so rather than look like a slip
    h('p', {}, `${count(e.rows, 'row')} · MSE ${num(m.mse)} · RMSE ${num(m.rmse)} · MAE ${num(m.mae)} · R² ${num(m.r2, 3)}` +
      (m.perOutput && m.perOutput.length > 1 ? ` (each the mean of the ${m.perOutput.length} outputs' scores below)` : '')),
    m.perOutput ? h('div', { class: 'scroll' }, table('Per output', ['Output', 'MSE', 'RMSE', 'MAE', 'R²'], m.perOutput.map((o) => [o.name, num(o.mse), num(o.rmse), num(o.mae), num(o.r2, 3)]))) : null)
}

/**
 * Evaluations already run in this tab, by API key, model and dataset. A model's weights never change and
 * a stored dataset is never rewritten, so a result stays true: coming back to a model page shows it
 * without another POST /v1/models/{ref}/evaluate (a pass over every row). Failures are not kept.
 */
const evaluated = new Map<string, Evaluation>()

async function evaluate (modelId: string, datasetId: string): Promise<Evaluation> {
  const key = JSON.stringify([apiKey.get(), modelId, datasetId])
  const kept = evaluated.get(key)
  if (kept) return kept
  const result = await sendJson<Evaluation>('POST', `/v1/models/${encodeURIComponent(modelId)}/evaluate`, { datasetId })
  evaluated.set(key, result)
  return result
}

/**
 * Why `d` cannot be scored by `model`, or undefined when it can: the server's own test
 * (checkDatasetFitsModel in src/api/scoring/model-inference.ts) asks for the model's raw feature columns,
 * same names and order, each of the same kind, and targets of the model's kind (class labels or codes for
 * a classifier, numbers for regression). Missing cells are left to the server, which says so.
 */
export function unfit (model: Model, d: Dataset): string | undefined {
  const mine = model.preprocessing?.columns ?? model.featureNames.map((name) => ({ name, kind: undefined }))
  const theirs = d.columns
  if (theirs.length !== mine.length || mine.some((c, i) => c.name !== theirs[i].name)) return `columns ${theirs.map((c) => c.name).join(', ')}; the model takes ${mine.map((c) => c.name).join(', ')}`
  const kind = mine.findIndex((c, i) => c.kind !== undefined && theirs[i].kind !== undefined && c.kind !== theirs[i].kind)
  if (kind >= 0) return `column ${theirs[kind].name} is ${theirs[kind].kind}; the model read it as ${mine[kind].kind}`
  const { activation, units } = model.network.output
  if (activation === 'sigmoid' && units > 1) {
    // multi-label: as many 0/1 target columns as the model has labels
    return d.classes ? 'class labels as targets; the model is multi-label' : d.outputs !== units ? `${d.outputs} target column${d.outputs === 1 ? '' : 's'}; the model has ${units} labels` : undefined
  }
  if (model.classes && !d.classes && !d.targetValues) return 'numeric targets; the model is a classifier'
  if (!model.classes && d.classes) return 'class labels as targets; the model is a regression model'
  return undefined
}

export async function evaluationView (model: Model): Promise<HTMLElement> {
  const datasets = await allItems<Dataset>('/v1/datasets')
  // datasets that do not fit stay listed (so their absence is not a mystery) but cannot be picked
  const why = new Map(datasets.map((d) => [d.id, unfit(model, d)]))
  const fitting = datasets.filter((d) => why.get(d.id) === undefined)
  const chosen = fitting.find((d) => d.id === model.datasetId) ?? fitting[0]
  const select = h('select', { id: 'evaluate-dataset' }, datasets.map((d) => {
    const reason = why.get(d.id)
    return h('option', { value: d.id, selected: d === chosen, disabled: reason !== undefined, title: reason === undefined ? null : `Does not fit: ${reason}` },
      reason === undefined ? datasetOption(d) : `${datasetOption(d)} — does not fit this model`)
  }))
  const out = h('div', { id: 'evaluation', 'aria-live': 'polite' })
  const run = (): void => {
    out.replaceChildren('Evaluating…')
    // the model's own dataset holds the rows it was fitted on: said above the scores, which read higher than on new rows
    const own = select.value === model.datasetId && model.trainRows !== undefined
    const seen = own ? [note(`These are the rows the model was trained on: ${num(model.trainRows!)} of them were fitted, ` +
      `${num(model.validationRows ?? 0)} held out for validation, so these scores read higher than on rows it has not seen. ` +
      'Its validation scores (above) are on held-out rows; evaluate on another dataset for a test score.', 'info')] : []
    evaluate(model.id, select.value).then(
      (e) => out.replaceChildren(...seen, resultView(e)),
      (err: unknown) => out.replaceChildren(err instanceof ApiError && err.routeMissing
        ? note('Evaluation is not available on this server (it has no POST /v1/models/{ref}/evaluate yet).')
        : note((err as Error).message, 'error')))
  }
  const form = h('form', { class: 'card', 'aria-labelledby': 'evaluate-title' },
    h('h2', { id: 'evaluate-title' }, 'Evaluation'),
    fitting.length === 0 ? note('No stored dataset has this model\'s feature columns to evaluate on.') : h('p', { class: 'inline' }, h('label', { for: 'evaluate-dataset' }, 'Dataset '), select, ' ', h('button', { type: 'submit' }, 'Evaluate')),
    out)
  form.addEventListener('submit', (event) => { event.preventDefault(); run() })
  if (chosen !== undefined && chosen.id === model.datasetId) run()
  return form
}
