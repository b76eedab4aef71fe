/**
 * One model: metrics, lineage (dataset, job, parent), the network as layers with shapes and parameter
 * counts, evaluation (confusion matrix heat map and per-class scores, where the server has
 * POST /v1/models/{ref}/evaluate), a prediction form from the feature names, and export.
 */
import { available, download, getJson, sendJson, ApiError } from '../api.js'
import { h, note, num, table, when } from '../dom.js'
import type { Route } from '../nav.js'
import type { Dataset, Model } from '../types.js'
import { evaluationView } from './evaluation.js'
import { headline } from './models.js'

/** Input, hidden layers and output as boxes: shape of W and b, activation, parameters (units·inputs + units). */
function networkView (m: Model): HTMLElement {
  const spec = m.network
  const layers = [...spec.layers, spec.output]
  let inputs = spec.inputs
  const boxes = layers.map((l, i) => {
    const params = l.units * inputs + l.units
    const box = h('li', { class: `layer ${i === layers.length - 1 ? 'output' : 'hidden'}` },
      h('strong', {}, i === layers.length - 1 ? 'Output' : `Dense ${i + 1}`),
      h('span', {}, `${l.units} units, ${l.activation}`),
      h('span', {}, `W ${l.units}×${inputs}, b ${l.units}`),
      h('span', {}, `${num(params)} parameters`))
    inputs = l.units
    return box
  })
  return h('figure', { class: 'network' },
    h('figcaption', {}, `Network: ${num(m.parameterCount)} parameters${spec.l2 ? `, L2 ${spec.l2}` : ''}`),
    h('ol', {}, h('li', { class: 'layer input' }, h('strong', {}, 'Input'), h('span', {}, `${spec.inputs} features`)), boxes))
}

function predictForm (m: Model, means: number[] | undefined): HTMLElement {
  const inputs = m.featureNames.map((name, i) => h('input', { id: `feature-${i}`, type: 'text', inputmode: 'decimal', required: true, value: means ? num(means[i]).replace(/,/g, '') : '', spellcheck: 'false' }))
  const result = h('div', { id: 'prediction', role: 'status', 'aria-live': 'polite' })
  const form = h('form', { class: 'card', 'aria-labelledby': 'predict-title' },
    h('h2', { id: 'predict-title' }, 'Predict'),
    means ? h('p', { class: 'muted' }, 'Prefilled with the training data\'s column means.') : null,
    h('div', { class: 'fields' }, m.featureNames.flatMap((name, i) => [h('label', { for: `feature-${i}` }, name), inputs[i]])),
    h('button', { type: 'submit' }, 'Predict'),
    result)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    // numbers as numbers; anything else (a category) as the text typed
    const row = inputs.map((el) => (el.value.trim() !== '' && Number.isFinite(Number(el.value)) ? Number(el.value) : el.value.trim()))
    sendJson<{ outputs: number[][], labels?: string[] }>('POST', `/v1/models/${encodeURIComponent(m.id)}/predict`, { inputs: [row] }).then((res) => {
      const out = res.outputs[0]
      const names = m.classes && m.classes.length === out.length ? m.classes : m.targetNames.length === out.length ? m.targetNames : out.map((_, i) => `output ${i + 1}`)
      result.replaceChildren(
        ...(res.labels ? [h('p', { class: 'answer' }, 'Predicted class: ', h('strong', { id: 'predicted-label' }, res.labels[0]))] : []),
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

export async function modelPage ({ params: [id] }: Route): Promise<Node> {
  const m = await getJson<Model>(`/v1/models/${encodeURIComponent(id)}`)
  const dataset = m.datasetId ? await getJson<Dataset>(`/v1/datasets/${encodeURIComponent(m.datasetId)}`).catch((err: unknown) => (err instanceof ApiError ? undefined : Promise.reject(err))) : undefined
  const widthMatches = dataset && dataset.columns.length === m.featureNames.length
  const link = (kind: string, value: string | undefined): Node | string => (value ? h('a', { href: `#/${kind}/${encodeURIComponent(value)}` }, value) : '—')
  return h('section', {},
    h('h1', {}, `${m.name} v${m.version}`),
    h('p', { class: 'muted' }, h('code', {}, m.id), ` · ${headline(m)} · created ${when(m.createdAt)}`),
    h('div', { class: 'two' },
      table('Metrics (held-out split)', ['Metric', 'Value'], Object.entries(m.metrics).map(([k, v]) => [k, num(v)])),
      h('dl', { class: 'facts', 'aria-label': 'Lineage' },
        h('dt', {}, 'Dataset'), h('dd', {}, link('datasets', m.datasetId)),
        h('dt', {}, 'Training job'), h('dd', {}, link('jobs', m.jobId)),
        h('dt', {}, 'Fine-tuned from'), h('dd', {}, link('models', m.parentModelId)),
        h('dt', {}, 'Classes'), h('dd', {}, m.classes?.join(', ') ?? 'none (regression)'),
        h('dt', {}, 'Targets'), h('dd', {}, m.targetNames.join(', ')))),
    networkView(m),
    await exportLinks(m),
    await evaluationView(m),
    predictForm(m, widthMatches ? dataset.columns.map((c) => c.mean) : undefined))
}
