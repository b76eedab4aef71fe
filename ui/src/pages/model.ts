/**
 * One model: metrics, lineage (dataset, job, parent), the network as layers with shapes and parameter
 * counts, evaluation (confusion matrix heat map and per-class scores, where the server has
 * POST /v1/models/{ref}/evaluate), a prediction form from the feature names, and export.
 */
import { available, download, getJson, sendJson } from '../api.js'
import { count, h, note, num, table, when } from '../dom.js'
import { deleteButton } from '../delete-button.js'
import type { Route } from '../nav.js'
import { weightsNote } from '../weights-epoch.js'
import type { Model } from '../types.js'
import { evaluationView } from './evaluation.js'
import { countOf, layerSummary, networkBlocks } from '../network-blocks.js'
import { headline } from './models.js'
import { datasetLink, datasetOrNone } from '../dataset-label.js'

/**
 * Input, hidden layers and output as boxes, each with its parts in order (Linear, Norm, activation,
 * Dropout, residual; network-blocks.ts) and each part's parameter count: maxout's k weight vectors per
 * unit, the norm's γ and β (batch norm's running statistics shown as buffers, not counted), a residual projection.
 */
function networkView (m: Model): HTMLElement {
  const spec = m.network
  const blocks = networkBlocks(spec)
  const boxes = blocks.map((b, i) => h('li', { class: `layer ${i === blocks.length - 1 ? 'output' : 'hidden'}`, 'data-parameters': b.parameters },
    h('strong', {}, b.title),
    h('span', {}, i === blocks.length - 1 ? `${count(b.units, 'unit')}, ${spec.output.activation}` : `${count(b.units, 'unit')}: ${layerSummary(spec.layers[i])}`),
    h('ul', { class: 'parts' }, b.parts.map((p) => {
      const count = countOf([p])
      return h('li', { class: `part ${p.kind}`, title: p.params.map((q) => `${q.name} [${q.shape.join(', ')}]${q.buffer ? ' (buffer)' : ''}`).join('\n') || null },
        p.label, count > 0 ? h('span', { class: 'count' }, ` · ${num(count)}`) : null)
    })),
    h('span', { class: 'total' }, `${num(b.parameters)} parameters`)))
  return h('figure', { class: 'network' },
    h('figcaption', {}, `Network: ${num(m.parameterCount)} parameters${spec.l2 ? `, L2 ${spec.l2}` : ''}`),
    h('ol', {}, h('li', { class: 'layer input' }, h('strong', {}, 'Input'), h('span', {}, inputText(m))), boxes))
}

/** The input box's text: the feature columns, and the network's inputs where one-hot columns make them more (2 columns → 4 inputs). */
function inputText (m: Model): string {
  const columns = m.featureNames.length, inputs = m.network.inputs
  return columns === inputs ? count(inputs, 'feature') : `${count(columns, 'feature column')} → ${count(inputs, 'input')} (categories one-hot)`
}

/** A categorical feature picks one of the model's categories (blank: missing, where the model imputes); a numeric one is typed. */
function featureInput (m: Model, i: number, mean: number | undefined): HTMLInputElement | HTMLSelectElement {
  const column = m.preprocessing?.columns[i]
  if (column?.kind === 'categorical' && column.categories) {
    const blank = m.preprocessing?.imputer ? [h('option', { value: '' }, '(missing)')] : []
    return h('select', { id: `feature-${i}` }, ...blank, ...column.categories.map((c, k) => h('option', { value: c, selected: k === 0 }, c)))
  }
  const value = mean !== undefined && Number.isFinite(mean) ? num(mean).replace(/,/g, '') : ''
  return h('input', { id: `feature-${i}`, type: 'text', inputmode: 'decimal', required: !m.preprocessing?.imputer, value, spellcheck: 'false' })
}

/**
 * What each output of a prediction is: a class (softmax), the positive class of a single sigmoid unit
 * (its probability: "1 (survived)"), or a target. The sigmoid's one output is not its target's name.
 */
function outputNames (m: Model, n: number): string[] {
  if (m.classes && m.classes.length === n) return m.classes
  if (m.classes && m.classes.length === 2 && n === 1) return [`${m.classes[1]} (${m.targetNames[0] ?? 'the positive class'})`]
  return m.targetNames.length === n ? m.targetNames : Array.from({ length: n }, (_, i) => `output ${i + 1}`)
}

function predictForm (m: Model, means: Array<number | undefined> | undefined): HTMLElement {
  const inputs = m.featureNames.map((_, i) => featureInput(m, i, means?.[i]))
  const result = h('div', { id: 'prediction', role: 'status', 'aria-live': 'polite' })
  const form = h('form', { class: 'card', 'aria-labelledby': 'predict-title' },
    h('h2', { id: 'predict-title' }, 'Predict'),
    means ? h('p', { class: 'muted' }, m.preprocessing?.columns.some((c) => c.kind === 'categorical')
      ? 'Prefilled with the training data\'s means (numeric columns) and each category column\'s first category.'
      : 'Prefilled with the training data\'s column means.') : null,
    h('div', { class: 'fields' }, m.featureNames.flatMap((name, i) => [h('label', { for: `feature-${i}` }, name), inputs[i]])),
    h('button', { type: 'submit' }, 'Predict'),
    result)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    // numbers as numbers; anything else (a category) as the text typed
    const row = inputs.map((el) => {
      const v = el.value.trim()
      if (v === '') return null // missing: the model's imputer fills it (or the API says it has none)
      return el instanceof HTMLInputElement && Number.isFinite(Number(v)) ? Number(v) : v
    })
    sendJson<{ outputs: number[][], labels?: string[], unknownCategories?: unknown[] }>('POST', `/v1/models/${encodeURIComponent(m.id)}/predict`, { inputs: [row] }).then((res) => {
      const out = res.outputs[0]
      const names = outputNames(m, out.length)
      result.replaceChildren(
        ...(res.labels ? [h('p', { class: 'answer' }, 'Predicted class: ', h('strong', { id: 'predicted-label' }, res.labels[0]))] : []),
        ...(res.unknownCategories && res.unknownCategories.length > 0 ? [note(`Categories the model never saw (encoded as all zeros): ${JSON.stringify(res.unknownCategories)}`, 'info')] : []),
        table(m.classes ? 'Probabilities' : 'Outputs', [m.classes ? 'Class' : 'Output', 'Value'], names.map((n, i) => [n, num(out[i])])))
    }, (err: Error) => result.replaceChildren(note(err.message, 'error')))
  })
  return form
}

async function exportLinks (m: Model): Promise<HTMLElement> {
  const ref = encodeURIComponent(m.id)
  const onnx = await available(`/v1/models/${ref}/export?format=onnx`, /onnx|octet-stream|protobuf/)
  const status = h('span', { role: 'status' })
  const save = (path: string, file: string) => (): void => { download(path, file).catch((err: Error) => status.replaceChildren(note(err.message, 'error'))) }
  return h('p', { class: 'actions' },
    h('button', { type: 'button', onclick: save(`/v1/models/${ref}/export`, `${m.name}-v${m.version}.json`) }, 'Export JSON'),
    onnx ? h('button', { type: 'button', onclick: save(`/v1/models/${ref}/export?format=onnx`, `${m.name}-v${m.version}.onnx`) }, 'Export ONNX') : null,
    status)
}

/**
 * Which rows a stored metric was computed on (trainingMetrics in src/queue/training-data.ts): the val*
 * ones on the rows the job held out, `epochs` on none, the rest (loss, accuracy) on the training rows,
 * which flatter an overfit model, so the table must not call them held-out.
 */
export const scoredOn = (metric: string): string =>
  /^val[A-Z]/.test(metric) ? 'held-out validation rows' : metric === 'epochs' ? '—' : 'training rows'

/** Several sigmoid outputs: independent labels, not classes, and not regression either. */
const multiLabel = (m: Model): boolean => m.network.output.activation === 'sigmoid' && m.network.output.units > 1

export async function modelPage ({ params: [id] }: Route): Promise<Node> {
  const m = await getJson<Model>(`/v1/models/${encodeURIComponent(id)}`)
  const dataset = m.datasetId ? await datasetOrNone(m.datasetId) : undefined
  const widthMatches = dataset && dataset.columns.length === m.featureNames.length
  const link = (kind: string, value: string | undefined): Node | string => (value ? h('a', { href: `#/${kind}/${encodeURIComponent(value)}` }, value) : '—')
  return h('section', {},
    h('h1', {}, `${m.name} v${m.version}`),
    h('p', { class: 'muted' }, h('code', {}, m.id), ` · ${headline(m)} · created ${when(m.createdAt)}`),
    ...(weightsNote(m) ? [h('p', { id: 'model-weights-epoch' }, `Holds ${weightsNote(m) ?? ''}.`)] : []),
    h('div', { class: 'two' },
      table(m.weightsEpoch === undefined ? 'Metrics' : `Metrics of epoch ${m.weightsEpoch}'s weights`, ['Metric', 'Value', 'Scored on'],
        Object.entries(m.metrics).map(([k, v]) => [k === 'epochs' ? 'epochs run' : k, num(v), scoredOn(k)])),
      h('dl', { class: 'facts', 'aria-label': 'Lineage' },
        h('dt', {}, 'Dataset'), h('dd', {}, m.datasetId ? datasetLink(m.datasetId, dataset) : '—'),
        h('dt', {}, 'Training job'), h('dd', {}, link('jobs', m.jobId)),
        ...(m.trainRows === undefined ? [] : [h('dt', {}, 'Rows'), h('dd', {}, `${num(m.trainRows)} trained on, ${num(m.validationRows ?? 0)} held out for validation`)]),
        h('dt', {}, 'Fine-tuned from'), h('dd', {}, link('models', m.parentModelId)),
        h('dt', {}, 'Classes'), h('dd', {}, m.classes?.join(', ') ?? (multiLabel(m) ? 'none (multi-label: each target a label of its own)' : 'none (regression)')),
        h('dt', {}, 'Targets'), h('dd', {}, m.targetNames.join(', ')))),
    networkView(m),
    await exportLinks(m),
    h('p', { class: 'actions' }, deleteButton({ what: `model ${m.name} v${m.version}`, path: `/v1/models/${encodeURIComponent(m.id)}`, after: '#/models',
      consequence: 'This version goes; the name\'s other versions stay, and a job that still fine-tunes it keeps it (the API says which).' })),
    await evaluationView(m),
    predictForm(m, widthMatches ? dataset.columns.map((c) => c.mean) : undefined))
}
