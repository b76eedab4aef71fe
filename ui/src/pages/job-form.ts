/**
 * A training job from a dataset and a network definition, with the defaults filled in: the network's
 * inputs and output follow the dataset (softmax over its classes, identity for regression), so
 * "Start" alone trains something sensible. Hidden layers are edited a row each, in the block
 * vocabulary (layer-editor.ts); the summary under the form counts the parameters as the server will.
 * Fields given several values make it a sweep of every combination (sweep-search.ts).
 */
import { allItems, ApiError, getJson, sendJson } from '../api.js'
import { clearFieldFaults, showFieldFaults } from '../field-faults.js'
import { datasetOption } from '../dataset-label.js'
import { count, h, note, num } from '../dom.js'
import { go, type Route } from '../nav.js'
import { layerSummary, networkBlocks } from '../network-blocks.js'
import type { Dataset, LayerSpec, Model, Page } from '../types.js'
import { layerEditor } from './layer-editor.js'
import { headChoices } from '../head-choices.js'
import { MODEL_NAME_MAX, modelNameFor, modelNameIssue } from '../model-name.js'
import { sweepSearch, type SearchableField, type SweepPlan } from './sweep-search.js'

/** The hidden layer a new job starts with: scikit-learn's MLPClassifier and MLPRegressor default, hidden_layer_sizes=(100,). */
const DEFAULT_HIDDEN_UNITS = 100
const OPTIMIZERS = ['adam', 'adamw', 'sgd', 'momentum', 'nesterov']

/** The highest version of a model name, or undefined when no model has it (or it cannot be read now). */
async function latestVersion (name: string): Promise<number | undefined> {
  const page = await getJson<Page<Pick<Model, 'version'>>>(`/v1/models?name=${encodeURIComponent(name)}&limit=1`).catch(() => undefined)
  return page?.items[0]?.version
}

/**
 * What a sweep may search in this form: the training fields, the L2 penalty, and each hidden layer's units and
 * dropout, keyed by the layer's id (`layers`, in order) so that a searched layer's field stays on its layer.
 */
function searchableFields (layers: readonly string[]): SearchableField[] {
  const perLayer = layers.map((id, i): SearchableField[] => [
    { key: `${id}.units`, path: `network.layers.${i}.units`, label: `Layer ${i + 1} units`, values: { kind: 'number', integer: true, min: 1 }, example: '32, 64, 128' },
    { key: `${id}.dropout`, path: `network.layers.${i}.dropout`, label: `Layer ${i + 1} dropout`, values: { kind: 'number', min: 0, below: 1 }, example: '0, 0.2, 0.5' }
  ]).flat()
  const own = (path: string, label: string, values: SearchableField['values'], example: string): SearchableField => ({ key: path, path, label, values, example })
  return [
    own('training.optimizer.learningRate', 'Learning rate', { kind: 'number', min: 0, minExclusive: true }, '0.0001, 0.001, 0.01'),
    own('training.optimizer.type', 'Optimizer', { kind: 'choice', choices: OPTIMIZERS }, OPTIMIZERS.slice(0, 3).join(', ')),
    own('training.batchSize', 'Batch size', { kind: 'number', integer: true, min: 1 }, '16, 32, 64'),
    own('training.epochs', 'Epochs', { kind: 'number', integer: true, min: 1 }, '50, 100, 200'),
    own('network.l2', 'L2 penalty λ (weights)', { kind: 'number', min: 0 }, '0, 0.0001, 0.001'),
    ...perLayer,
    own('training.seed', 'Seed (repeats each configuration)', { kind: 'number', integer: true, min: 0 }, '0, 1, 2')
  ]
}

function field (id: string, label: string, input: HTMLElement, hint?: string): HTMLElement[] {
  return [h('label', { for: id }, label), h('div', {}, input, hint ? h('small', {}, hint) : null)]
}

export async function jobFormPage ({ query }: Route): Promise<Node> {
  const datasets = await allItems<Dataset>('/v1/datasets')
  if (datasets.length === 0) return h('section', {}, h('h1', {}, 'New training job'), note('Upload a dataset first (Datasets).'))
  const chosen = query.get('dataset') ?? datasets[0].id
  const dataset = h('select', { id: 'job-dataset' }, datasets.map((d) => h('option', { value: d.id, selected: d.id === chosen }, datasetOption(d))))
  const head = h('select', { id: 'job-head' })
  // scikit-learn's MLP default, hidden_layer_sizes=(100,) with relu: 16 units trained iris to 73% with the other defaults
  const layers = layerEditor([{ units: DEFAULT_HIDDEN_UNITS, activation: 'relu' }], () => describe())
  const shape = h('p', { id: 'job-shape', class: 'muted' })
  const epochs = h('input', { id: 'job-epochs', type: 'number', min: 1, value: 200, required: true })
  const batchSize = h('input', { id: 'job-batch', type: 'number', min: 1, placeholder: 'min(200, rows)' })
  const optimizer = h('select', { id: 'job-optimizer' }, OPTIMIZERS.map((o) => h('option', { value: o }, o)))
  const learningRate = h('input', { id: 'job-lr', type: 'number', step: 'any', min: 0, value: 0.001, required: true })
  const classWeight = h('select', { id: 'job-class-weight' }, h('option', { value: '' }, 'none: every row counts once'), h('option', { value: 'balanced' }, 'balanced: each class counts alike'))
  const validation = h('input', { id: 'job-validation', type: 'number', step: 'any', min: 0, max: 0.9, value: 0.1 })
  const patience = h('input', { id: 'job-patience', type: 'number', min: 1, value: 10, placeholder: 'off' })
  const seed = h('input', { id: 'job-seed', type: 'number', min: 0, max: 4294967295, step: 1, value: 0 })
  const modelName = h('input', { id: 'job-model-name', type: 'text', maxlength: MODEL_NAME_MAX, 'aria-describedby': 'job-model-name-note' })
  const nameNote = h('small', { id: 'job-model-name-note', role: 'status' })
  const status = h('div', { role: 'status', 'aria-live': 'polite' })

  const selected = (): Dataset => datasets.find((d) => d.id === dataset.value) ?? datasets[0]
  const outputOf = (d: Dataset): LayerSpec | undefined => {
    const choices = headChoices(d)
    return (choices.find((c) => c.value === head.value) ?? choices[0])?.output
  }
  const start = h('button', { type: 'submit', id: 'job-start' }, 'Start training')
  const sweep = sweepSearch(() => searchableFields(layers.ids()), () => describe(), query.get('sweep') !== null)
  const fillHeads = (): void => {
    head.replaceChildren(...headChoices(selected()).map((c, i) => h('option', { value: c.value, selected: i === 0 }, c.label)))
  }
  // The name the field offers follows the dataset until the user types one, and is only offered while
  // no model has it: a name already served would get this job's model as its new latest version, which
  // bare-name clients then call (a quick try in the console replaced a served model that way).
  let offered = ''
  let offeredFor = '' // the dataset it was offered for: a layer edit re-describes, and must not offer it again
  let asked = 0
  const checkName = async (): Promise<void> => {
    const name = modelName.value.trim()
    const mine = ++asked
    const issue = name === '' ? undefined : modelNameIssue(name)
    modelName.setCustomValidity(issue ?? '') // a name the service would refuse keeps the form from submitting
    if (name === '') { nameNote.textContent = offered === '' ? '' : `"${offered}" already names a model: left empty so that this job does not replace it; type it to add a version`; return }
    if (issue !== undefined) { nameNote.textContent = `"${name}": ${issue}`; return }
    const latest = await latestVersion(name)
    if (mine !== asked) return
    if (latest === undefined) { nameNote.textContent = ''; return }
    if (name === offered) {
      modelName.value = ''
      nameNote.textContent = `"${name}" already names a model (v${latest}): left empty so that this job does not replace it; type it to add v${latest + 1}`
      return
    }
    // the service takes a new version only with the same inputs and outputs (or allowSignatureChange), and says what differs
    nameNote.textContent = `"${name}" already names a model: this job adds v${latest + 1} if its inputs and outputs are v${latest}'s, and "${name}" and "${name}@latest" will answer with it`
  }
  let checking: Promise<void> = Promise.resolve()
  modelName.addEventListener('input', () => { offered = ''; checking = checkName() })
  const describe = (): void => {
    const d = selected()
    const out = outputOf(d)
    if (d.id !== offeredFor && (modelName.value === '' || modelName.value === offered)) {
      offeredFor = d.id
      offered = modelNameFor(d.name)
      modelName.value = offered
      checking = checkName()
    }
    // a target of one class has no head to train: said here, with Start off, rather than as the API's 400 on submit
    sweep.refresh(out?.activation === 'identity' ? 'regression' : 'classification')
    start.textContent = startLabel()
    // a searched field's own value is not used: it may be left empty
    const searched = sweep.searched()
    epochs.required = !searched.has('training.epochs')
    learningRate.required = !searched.has('training.optimizer.learningRate')
    head.disabled = out === undefined
    start.disabled = out === undefined
    if (out === undefined) {
      shape.textContent = `Every row of ${d.name} has the class ${JSON.stringify(d.classes?.[0] ?? '')}: a classifier needs rows of at least two classes. ` +
        'Upload rows of the other classes too (a dataset of one class can still score a model: POST /v1/models/{ref}/evaluate).'
      return
    }
    let hidden = '…', parameters = ''
    try {
      const spec = layers.read()
      hidden = spec.map(layerSummary).join(' → ') || 'none'
      parameters = `, ${num(networkBlocks({ inputs: d.inputs, layers: spec, output: out }).reduce((n, b) => n + b.parameters, 0))} parameters`
    } catch { /* shown on submit */ }
    // the API weighs a softmax's classes only (data/class-weights.ts)
    classWeight.disabled = out.activation !== 'softmax'
    if (classWeight.disabled) classWeight.value = ''
    shape.textContent = `Network: ${count(d.inputs, 'input')} → ${hidden} → ${out.units} ${out.activation} (output follows the dataset${parameters})`
  }
  // what Start will do: a job, or a sweep of so many jobs (a plan not yet readable counts as a sweep of unknown size)
  const startLabel = (): string => {
    if (!sweep.active()) return 'Start training'
    let plan: SweepPlan
    try { plan = sweep.read() } catch { return 'Start sweep' }
    // every job it will run: the best configuration is trained once more, on all rows, for the model
    const configurations = count(plan.configurations, 'configuration')
    return plan.folds === undefined
      ? `Start sweep: ${configurations} + 1 retraining`
      : `Start sweep: ${configurations} × ${plan.folds} folds = ${count(plan.configurations * plan.folds, 'training job')} + 1 retraining`
  }
  dataset.addEventListener('change', () => { fillHeads(); describe() })
  head.addEventListener('change', describe)
  fillHeads()
  describe()

  const form = h('form', { class: 'card', 'aria-labelledby': 'job-form-title' },
    h('h2', { id: 'job-form-title' }, 'Network and training'),
    h('div', { class: 'fields' },
      ...field('job-dataset', 'Dataset', dataset),
      // a group of controls, each labelled on its own: a <label> would rename the first of them
      h('span', { id: 'job-layers-label' }, 'Hidden layers'),
      h('div', { role: 'group', 'aria-labelledby': 'job-layers-label' }, layers.element,
        h('small', {}, `each: Linear → norm → activation → dropout; residual adds the layer's input back (through a projection when the widths differ). ` +
          `Starts as scikit-learn's default: ${DEFAULT_HIDDEN_UNITS} relu units`)),
      ...field('job-head', 'Output', head, 'the head and its loss: softmax + cross-entropy, sigmoid + logistic loss, identity + squared error'),
      ...field('job-epochs', 'Epochs', epochs),
      ...field('job-batch', 'Batch size', batchSize, 'empty: min(200, rows), as scikit-learn'),
      ...field('job-optimizer', 'Optimizer', optimizer),
      ...field('job-lr', 'Learning rate', learningRate),
      ...field('job-validation', 'Validation split', validation, 'share of rows held out; 0 for none'),
      ...field('job-class-weight', 'Class weights', classWeight, 'for imbalanced classes: balanced weighs each class\'s rows by rows / (classes × rows of the class); softmax outputs only'),
      ...field('job-patience', 'Early-stopping patience', patience, 'epochs without improvement; empty: off'),
      ...field('job-seed', 'Seed', seed),
      h('label', { for: 'job-model-name' }, 'Model name'),
      h('div', {}, modelName, h('small', {}, 'empty: named by its id; letters, digits, - _ . (from a letter or digit); an existing name gets a new version, with the same inputs and outputs'), nameNote)),
    sweep.element,
    shape,
    start,
    status)
  // the inputs the API's field paths name (its problem's errors[].field)
  const inputs: Record<string, HTMLElement> = {
    datasetId: dataset, modelName, 'training.epochs': epochs, 'training.batchSize': batchSize, 'training.optimizer.type': optimizer,
    'training.optimizer.learningRate': learningRate, 'training.validationSplit': validation, 'training.earlyStopping.patience': patience,
    'training.seed': seed, 'training.classWeight': classWeight
  }
  const LAYER_LABELS: Record<string, string> = { units: 'Units', pieces: 'Maxout pieces per unit', dropout: 'Dropout rate' }
  const fieldInput = (path: string): HTMLElement | null => {
    if (inputs[path] !== undefined) return inputs[path]
    const layer = /^network\.layers(?:\[(\d+)\]|\.(\d+))\.(units|pieces|dropout)$/.exec(path)
    if (layer === null) return null
    const row = form.querySelectorAll('#job-layers > li')[Number(layer[1] ?? layer[2])]
    return row?.querySelector<HTMLElement>(`input[aria-label="${LAYER_LABELS[layer[3]]}"]`) ?? null
  }
  // an error shown for the last submit no longer describes a form that has changed since
  const clearStale = (): void => { if (status.querySelector('.note') !== null) { status.replaceChildren(); clearFieldFaults(form) } }
  form.addEventListener('input', clearStale)
  form.addEventListener('change', clearStale)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    // a Start pressed before the offered name was checked waits for the check, which may empty the field
    void checking.then(submit)
  })
  const submit = (): void => {
    const d = selected()
    let hidden: LayerSpec[]
    try { hidden = layers.read() } catch (err) { status.replaceChildren(note((err as Error).message, 'error')); return }
    const output = outputOf(d)
    if (output === undefined) return // Start is off (describe)
    const split = Number(validation.value)
    const body = {
      datasetId: d.id,
      network: { inputs: d.inputs, layers: hidden, output },
      training: {
        // empty only while searched (describe): the sweep's values replace it
        ...(epochs.value !== '' ? { epochs: Number(epochs.value) } : {}),
        ...(batchSize.value !== '' ? { batchSize: Number(batchSize.value) } : {}),
        optimizer: { type: optimizer.value, ...(learningRate.value !== '' ? { learningRate: Number(learningRate.value) } : {}) },
        validationSplit: split,
        earlyStopping: patience.value !== '' ? { patience: Number(patience.value) } : false,
        seed: Number(seed.value),
        ...(classWeight.value === 'balanced' ? { classWeight: 'balanced' } : {})
      },
      ...(modelName.value.trim() !== '' ? { modelName: modelName.value.trim() } : {})
    }
    if (sweep.active()) {
      let plan: SweepPlan
      try { plan = sweep.read() } catch (err) { sweep.element.open = true; status.replaceChildren(note((err as Error).message, 'error')); return }
      // the API needs the name the best configuration's model is stored under
      if (body.modelName === undefined) { status.replaceChildren(note('A sweep stores its best model under a name: type a model name.', 'error')); modelName.focus(); return }
      // the form's seed also fixes the folds (the sweep's own seed)
      const sweepBody = { ...body, searchSpace: plan.searchSpace, metric: plan.metric, ...(plan.folds !== undefined ? { folds: plan.folds } : {}), seed: body.training.seed }
      send('/v1/sweeps', sweepBody, (id) => `#/sweeps/${encodeURIComponent(id)}`)
      return
    }
    send('/v1/training-jobs', body, (id) => `#/jobs/${encodeURIComponent(id)}`)
  }
  // one request per Start: a double click started two sweeps (and two jobs), each a new model version
  const send = (path: string, body: Record<string, unknown>, page: (id: string) => string): void => {
    status.replaceChildren('Starting…')
    start.disabled = true
    clearFieldFaults(form)
    sendJson<{ id: string }>('POST', path, body).then(
      (made) => go(page(made.id)),
      (err: Error) => {
        start.disabled = false
        status.replaceChildren(note(err.message, 'error'))
        // and at the field it names, marked, with the focus on it
        showFieldFaults(form, err, fieldInput)
        // the API's way out ("send allowSignatureChange") as a button: the form has no field for it
        if (err instanceof ApiError && err.signatureChange) {
          const anyway = h('button', { type: 'button', id: 'job-allow-signature-change' }, `Store it as a new version of "${String(body.modelName)}" anyway`)
          anyway.addEventListener('click', () => send(path, { ...body, allowSignatureChange: true }, page))
          status.append(anyway)
        }
      })
  }
  return h('section', {}, h('h1', {}, query.get('sweep') !== null ? 'New sweep' : 'New training job'), form)
}
