// The console at /ui in a real browser (chromium via playwright-core) against a real API and a real
// worker process: the main flow (upload a CSV, start a job, watch its curve grow while it runs, see
// the model, predict a row), cancel, and no request leaving the origin. Skipped, saying why, without chromium.
import { existsSync, readFileSync } from 'node:fs'
import { describe, it, expect } from 'vitest'
import { api, CHROMIUM, finished, offOrigin, openPage, pointsWhileRunning, shot, withConsole } from './console-env.js'

const available = existsSync(CHROMIUM)
const why = available ? '' : ` (SKIPPED: ${CHROMIUM} is missing; install it with \`apt-get install -y chromium\`)`
/** A chart with at least one epoch drawn. */
const DRAWN = '.chart[data-points]:not([data-points="0"])'
const IRIS = readFileSync(new URL('../fixtures/iris.csv', import.meta.url))

/** Uploads iris and queues a 4-16-3 job on it over the API; returns the job id. */
async function startJob (base: string, training: Record<string, unknown>, headers: Record<string, string> = {}): Promise<string> {
  const dataset = await api<{ id: string }>(base, 'POST', '/v1/datasets?target=species&name=iris', IRIS.toString('utf8'), headers)
  const job = await api<{ id: string }>(base, 'POST', '/v1/training-jobs', {
    datasetId: dataset.id,
    network: { inputs: 4, layers: [{ units: 16, activation: 'relu' }], output: { units: 3, activation: 'softmax' } },
    training: { optimizer: { type: 'adam', learningRate: 0.01 }, validationSplit: 0.2, earlyStopping: false, ...training },
    modelName: 'iris'
  }, headers)
  return job.id
}

// both describes serve the same build; building once keeps the added time to ~2 s

describe.skipIf(!available)(`the console in a browser${why}`, () => {
  // checkpoints every 1,000 epochs: the 10,000-epoch job is then ≈12 s instead of minutes
  const on = withConsole('console', {}, { CHECKPOINT_EVERY_EPOCHS: '1000', CHECKPOINT_EVERY_SECONDS: '60' })

  it('upload a CSV, start a job, watch the curve grow before it ends, see the model, predict a row', async () => {
    const { page, requests, errors } = await openPage(on.browser)
    const { base } = on.server
    // ---- datasets: upload with the target picked from the CSV's header
    await page.goto(`${base}/ui#/datasets`) // redirected to /ui/, the fragment kept
    await page.getByRole('heading', { name: 'Datasets' }).waitFor()
    expect(page.url()).toBe(`${base}/ui/#/datasets`)
    // an empty file has no column to pick: the upload says what is wrong with the file, not with the form's query
    await page.setInputFiles('#csv-file', { name: 'empty.csv', mimeType: 'text/csv', buffer: Buffer.alloc(0) })
    await page.getByRole('button', { name: 'Upload' }).click()
    await page.locator('.note', { hasText: 'the document is empty' }).waitFor()
    await page.setInputFiles('#csv-file', { name: 'iris.csv', mimeType: 'text/csv', buffer: IRIS })
    await page.locator('#csv-target option[value="species"]').waitFor({ state: 'attached' })
    expect(await page.locator('#csv-target option').allInnerTexts()).toEqual(['sepal_length_(cm)', 'sepal_width_(cm)', 'petal_length_(cm)', 'petal_width_(cm)', 'species'])
    expect(await page.inputValue('#csv-target')).toBe('species')
    await shot(page, 'datasets-upload')
    await page.getByRole('button', { name: 'Upload' }).click()
    await page.getByRole('heading', { name: 'iris' }).waitFor()
    expect(page.url()).toMatch(/#\/datasets\/[^/]+$/)
    expect(await page.locator('table').innerText()).toContain('petal_width_(cm)')
    await shot(page, 'dataset')

    // ---- the job form, defaults filled in from the dataset
    await page.getByRole('link', { name: 'Train on this dataset' }).click()
    await page.getByRole('heading', { name: 'New training job' }).waitFor()
    expect(await page.locator('#job-shape').innerText()).toContain('4 inputs → 100 relu → 3 softmax') // scikit-learn's default hidden layer
    await page.fill('#job-epochs', '300')
    await page.fill('#job-batch', '4')
    // a softmax output takes class weights (iris's stratified split leaves its classes balanced: weights 1)
    expect(await page.locator('#job-class-weight').isEnabled()).toBe(true)
    await page.selectOption('#job-class-weight', 'balanced')
    await shot(page, 'job-form')
    await page.getByRole('button', { name: 'Start training' }).click()

    // ---- the job page: points arrive while the job is still running
    await page.getByRole('heading', { name: /Training job/ }).waitFor()
    const startedId = decodeURIComponent(/#\/jobs\/([^/]+)$/.exec(page.url())![1])
    expect((await api<{ training: { classWeight?: string } }>(base, 'GET', `/v1/training-jobs/${encodeURIComponent(startedId)}?history=none`)).training.classWeight).toBe('balanced')
    const chart = page.locator('.chart').first()
    const during = await page.waitForFunction(pointsWhileRunning, undefined, { timeout: 60_000, polling: 50 })
    const seenWhileRunning = await during.jsonValue() as number
    expect(seenWhileRunning).toBeGreaterThan(0)
    expect(seenWhileRunning).toBeLessThan(300)
    await page.locator('#job-state .badge', { hasText: 'succeeded' }).waitFor({ timeout: 120_000 })
    await page.locator('#job-model').waitFor()
    expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThan(seenWhileRunning)
    expect(await page.locator('.marks').first().innerText()).toMatch(/(^| )best( \(lowest val loss\))? at epoch \d+/) // not 'best so far': the job has ended
    await shot(page, 'job')

    // ---- the model: network, lineage, evaluation (or the note that the server has none), predict
    await page.locator('#job-model').click()
    await page.getByRole('heading', { name: 'iris v1' }).waitFor()
    const network = await page.locator('.network').innerText()
    expect(network).toContain('4 features')
    expect(network).toContain('W 100×4, b 100')
    expect(network).toContain('500 parameters') // 100·4 + 100
    expect(network).toContain('303 parameters') // 3·100 + 3
    // the rows it saw: the form's 10% validation split of iris's 150, stratified
    expect(await page.locator('dl[aria-label="Lineage"]').innerText()).toContain('135 trained on, 15 held out for validation')
    await page.locator('#evaluation .note, #evaluation table').first().waitFor()
    const evaluation = await page.locator('#evaluation').innerText()
    // scored on its own dataset: the page says most of these rows were trained on (a browser user's trial read 80.7% as a test score)
    expect(evaluation).toContain('These are the rows the model was trained on: 135 of them were fitted, 15 held out for validation')
    // the heat map: one row and one column per class, every row of the 150 iris rows counted once
    const cells = await page.locator('#confusion-matrix tbody td').allInnerTexts()
    expect(cells).toHaveLength(9)
    expect(cells.reduce((sum, c) => sum + Number(c), 0)).toBe(150)
    expect(await page.locator('#confusion-matrix tbody th').allInnerTexts()).toEqual(['setosa', 'versicolor', 'virginica'])
    expect(evaluation).toContain('Per-class scores')
    // export: the JSON form and the ONNX file, each fetched with the key and saved
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON' }).click()])
    expect(file.suggestedFilename()).toBe('iris-v1.json')
    const exported = JSON.parse(readFileSync(await file.path(), 'utf8')) as { network: unknown, classes: string[] }
    expect(exported.classes).toEqual(['setosa', 'versicolor', 'virginica'])
    const modelId = /#\/models\/(.+)$/.exec(page.url())![1]
    const onnx = await fetch(`${base}/v1/models/${modelId}/export?format=onnx`, { method: 'HEAD' })
    expect(onnx.status).toBe(200)
    const [onnxFile] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export ONNX' }).click()])
    expect(onnxFile.suggestedFilename()).toBe('iris-v1.onnx')
    expect(readFileSync(await onnxFile.path()).length).toBeGreaterThan(3000) // the graph and its 803 weights
    for (const [i, v] of ['5.1', '3.5', '1.4', '0.2'].entries()) await page.fill(`#feature-${i}`, v)
    await page.getByRole('button', { name: 'Predict' }).click()
    await page.locator('#predicted-label').waitFor()
    expect(await page.locator('#predicted-label').innerText()).toBe('setosa')
    await shot(page, 'model')

    // ---- the lists
    await page.goto(`${base}/ui/#/models`)
    await page.getByRole('heading', { name: 'iris' }).waitFor()
    // the job held out 10% for validation (the default): the headline score is on those rows, and says so
    expect(await page.locator('.versions li').first().innerText()).toMatch(/^v1 · val accuracy \d+(\.\d+)?% · 803 parameters/)
    await shot(page, 'models')
    await page.goto(`${base}/ui/#/jobs`)
    await page.getByRole('heading', { name: 'Training jobs' }).waitFor()
    expect(await page.locator('tbody tr').count()).toBe(1)
    await shot(page, 'jobs')

    expect(offOrigin(requests, base)).toEqual([])
    expect(errors).toEqual([])
  })

  it('reads numeric codes as categories where the form says so, and answers the API\'s ?categorical hint with the form\'s boxes', async () => {
    const { base } = on.server
    const { page, errors } = await openPage(on.browser)
    const csv = (rows: string[]): Buffer => Buffer.from(['zip,size,bought', ...rows].join('\n') + '\n')
    const rows = Array.from({ length: 30 }, (_, i) => `${[10115, 80331, 20095][i % 3]},${i % 5},${i % 3 === 0 ? 'yes' : 'no'}`)
    await page.goto(`${base}/ui/#/datasets`)
    await page.getByRole('heading', { name: 'Datasets' }).waitFor()
    // a stray text in a numeric column: the API's "declare it: ?categorical=zip" becomes the box to tick
    await page.setInputFiles('#csv-file', { name: 'zips.csv', mimeType: 'text/csv', buffer: csv([...rows, 'unknown,1,no']) })
    await page.locator('#csv-categories input[value="zip"]').waitFor({ state: 'attached' })
    // one box per feature column: the target is not among them
    expect(await page.locator('#csv-categories input').evaluateAll((els) => els.map((e) => e.getAttribute('value')))).toEqual(['zip', 'size'])
    await page.getByRole('button', { name: 'Upload' }).click()
    const hint = page.locator('.note.error', { hasText: 'Category columns' })
    await hint.waitFor()
    expect(await hint.innerText()).toContain('tick "zip" under "Category columns" above, then upload again')
    expect(await hint.innerText()).not.toContain('?categorical')
    // ticked, the codes are categories: one input each
    await page.setInputFiles('#csv-file', { name: 'zips.csv', mimeType: 'text/csv', buffer: csv(rows) })
    await page.locator('#csv-categories input[value="zip"]').check()
    await page.getByRole('button', { name: 'Upload' }).click()
    await page.getByRole('heading', { name: 'zips' }).waitFor()
    const id = decodeURIComponent(/#\/datasets\/([^/]+)$/.exec(page.url())![1])
    const stored = await api<{ inputs: number, columns: Array<{ name: string, kind: string, categories?: string[] }> }>(base, 'GET', `/v1/datasets/${encodeURIComponent(id)}`)
    expect(stored.columns[0]).toMatchObject({ name: 'zip', kind: 'categorical', categories: ['10115', '20095', '80331'] })
    expect(stored.inputs).toBe(4)
    expect(errors).toEqual([])
  })

  it('offers the dataset\'s name for the model only while no model has it: a served name is never replaced by default', async () => {
    const { page, errors } = await openPage(on.browser)
    const { base } = on.server
    // the first test stored "iris" v1 from the iris dataset
    const iris = (await api<{ items: Array<{ id: string, name: string }> }>(base, 'GET', '/v1/datasets?limit=1000')).items.find((d) => d.name === 'iris')!
    expect((await api<{ total: number }>(base, 'GET', '/v1/models?name=iris')).total).toBe(1)
    await page.goto(`${base}/ui/#/jobs/new?dataset=${encodeURIComponent(iris.id)}`)
    const note = page.locator('#job-model-name-note')
    await note.filter({ hasText: 'already names a model' }).waitFor()
    expect(await page.inputValue('#job-model-name')).toBe('')
    expect(await note.innerText()).toBe('"iris" already names a model (v1): left empty so that this job does not replace it; type it to add v2')
    // typed on purpose, it says what it will do
    await page.fill('#job-model-name', 'iris')
    await note.filter({ hasText: 'adds v2' }).waitFor()
    expect(await note.innerText()).toBe('"iris" already names a model: this job adds v2 if its inputs and outputs are v1\'s, and "iris" and "iris@latest" will answer with it')
    // a name the service would refuse: said while typed, and the form does not submit
    await page.fill('#job-model-name', 'iris 2')
    await note.filter({ hasText: 'cannot' }).waitFor()
    expect(await note.innerText()).toBe('"iris 2": " " cannot be in a model name (letters, digits, - _ . from a letter or digit)')
    await page.getByRole('button', { name: 'Start training' }).click()
    expect(await page.locator('#job-model-name').evaluate((el) => (el as unknown as { validity: { valid: boolean } }).validity.valid)).toBe(false)
    expect(page.url()).toMatch(/#\/jobs\/new/)
    // a free name: nothing to say
    await page.fill('#job-model-name', 'iris-try')
    await expect.poll(async () => await note.textContent()).toBe('')
    // left empty, the job stores a model named by its id; "iris" still answers with v1
    await page.fill('#job-model-name', '')
    await page.fill('#job-epochs', '2')
    await page.getByRole('button', { name: 'Start training' }).click()
    await page.getByRole('heading', { name: /Training job/ }).waitFor()
    await page.locator('#job-state .badge', { hasText: 'succeeded' }).waitFor({ timeout: 60_000 })
    expect((await api<{ total: number }>(base, 'GET', '/v1/models?name=iris')).total).toBe(1)
    expect(errors).toEqual([])
  })

  it('reads a semicolon CSV with decimal commas, a text column and missing cells, and predicts from a category picked from the model\'s', async () => {
    const { base } = on.server
    const { page, requests, errors } = await openPage(on.browser)
    const rows = Array.from({ length: 60 }, (_, i) => {
      const color = ['red', 'green', 'blue'][i % 3]
      return `${i % 7 === 0 ? '' : String((i % 10) / 2).replace('.', ',')};${color};${color === 'red' ? 'yes' : 'no'}`
    })
    await page.goto(`${base}/ui/#/datasets`)
    await page.getByRole('heading', { name: 'Datasets' }).waitFor()
    await page.setInputFiles('#csv-file', { name: 'shop.csv', mimeType: 'text/csv', buffer: Buffer.from(['size;color;bought', ...rows].join('\n') + '\n') })
    await page.locator('#csv-target option[value="bought"]').waitFor({ state: 'attached' })
    expect(await page.locator('#csv-target option').allInnerTexts()).toEqual(['size', 'color', 'bought'])
    await page.selectOption('#csv-missing', 'median')
    await page.selectOption('#csv-decimal', ',')
    await page.getByRole('button', { name: 'Upload' }).click()
    await page.getByRole('heading', { name: 'shop' }).waitFor()
    const datasetId = decodeURIComponent(/#\/datasets\/([^/]+)$/.exec(page.url())![1])
    // "2,5" was read as the number 2.5, not as a category
    const dataset = await api<{ columns: Array<{ name: string, kind?: string, max?: number }> }>(base, 'GET', `/v1/datasets/${encodeURIComponent(datasetId)}`)
    expect(dataset.columns[0]).toMatchObject({ name: 'size', kind: 'numeric', max: 4.5 })
    const job = await api<{ id: string }>(base, 'POST', '/v1/training-jobs', {
      datasetId, network: { layers: [{ units: 8, activation: 'tanh' }], output: { activation: 'softmax' } },
      training: { epochs: 200, batchSize: 10, optimizer: { type: 'adam', learningRate: 0.05 }, earlyStopping: false, validationSplit: 0 }
    })
    await finished(base, job.id)
    const model = await api<{ modelId: string }>(base, 'GET', `/v1/training-jobs/${job.id}`)
    await page.goto(`${base}/ui/#/models/${encodeURIComponent(model.modelId)}`)
    await page.locator('#feature-1').waitFor()
    // the categorical column is a choice of the model's categories, never a free text sent as an unknown one
    expect(await page.locator('#feature-1 option').allInnerTexts()).toEqual(['(missing)', 'blue', 'green', 'red'])
    // the input box counts the columns a row holds, and the network's inputs they become (3 colours one-hot)
    expect(await page.locator('figure.network .layer.input').innerText()).toContain('2 feature columns → 4 inputs')
    await page.selectOption('#feature-1', 'red')
    await page.fill('#feature-0', '')
    await page.getByRole('button', { name: 'Predict' }).click()
    expect(await page.locator('#predicted-label').innerText()).toBe('yes')
    await shot(page, 'model-categorical-predict')
    // evaluated on rows with a colour the model never saw: the card says which, and on how many rows
    const fresh = ['size,color,bought', '1,purple,no', '2,purple,no', '3,red,yes', '4,green,no'].join('\n') + '\n'
    const freshId = (await (await fetch(`${base}/v1/datasets?target=bought&name=shop-fresh`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: fresh })).json() as { id: string }).id
    await page.reload()
    await page.locator(`#evaluate-dataset option[value="${freshId}"]`).waitFor({ state: 'attached' })
    await page.selectOption('#evaluate-dataset', freshId)
    await page.getByRole('button', { name: 'Evaluate' }).click()
    await page.locator('#evaluation .note', { hasText: 'never saw' }).waitFor()
    expect(await page.locator('#evaluation .note', { hasText: 'never saw' }).innerText()).toContain('color "purple" (2 rows)')
    // the same data under one sigmoid unit: its one output is the probability of the positive class, said so, not the target's name
    const sigmoidJob = await api<{ id: string }>(base, 'POST', '/v1/training-jobs', {
      datasetId, network: { layers: [{ units: 8, activation: 'tanh' }], output: { units: 1, activation: 'sigmoid' } },
      training: { epochs: 100, batchSize: 10, optimizer: { type: 'adam', learningRate: 0.05 }, earlyStopping: false, validationSplit: 0 }
    })
    await finished(base, sigmoidJob.id)
    const sigmoidModel = await api<{ modelId: string }>(base, 'GET', `/v1/training-jobs/${sigmoidJob.id}`)
    await page.goto(`${base}/ui/#/models/${encodeURIComponent(sigmoidModel.modelId)}`)
    await page.locator('#feature-1').waitFor()
    expect(await page.locator('.card p.muted', { hasText: 'Prefilled' }).innerText()).toBe('Prefilled with the training data\'s means (numeric columns) and each category column\'s first category.')
    await page.selectOption('#feature-1', 'red')
    await page.getByRole('button', { name: 'Predict' }).click()
    await page.locator('#predicted-label').waitFor()
    expect((await page.getByRole('table', { name: 'Probabilities' }).locator('tbody tr td').first().innerText())).toBe('yes (bought)')
    expect(offOrigin(requests, base)).toEqual([])
    expect(errors).toEqual([])
  })

  it('a cancelled job stops, and its page says so', async () => {
    const { base } = on.server
    const jobId = await startJob(base, { epochs: 100_000, batchSize: 4 })
    const { page, requests, errors } = await openPage(on.browser)
    await page.goto(`${base}/ui/#/jobs/${jobId}`)
    await page.locator(DRAWN).first().waitFor({ timeout: 60_000 })
    // a cancel asks first, saying what is lost: dismissed, the job runs on
    const asked: string[] = []
    page.once('dialog', (dialog) => { asked.push(dialog.message()); void dialog.dismiss() })
    await page.locator('#cancel-job').click()
    await expect.poll(() => asked.length).toBe(1)
    expect(asked[0]).toMatch(/^Cancel this job\? A cancelled job stores no model: the [\d,]+ epochs? trained so far are discarded\.$/)
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect((await api<{ status: string }>(base, 'GET', `/v1/training-jobs/${jobId}?history=none`)).status).toBe('running')
    page.once('dialog', (dialog) => { void dialog.accept() })
    await page.locator('#cancel-job').click()
    await page.locator('#job-state .badge', { hasText: 'cancelled' }).waitFor({ timeout: 30_000 })
    expect(await page.locator('.note').first().innerText()).toContain('This job was cancelled')
    expect(await page.locator('#cancel-job').isHidden()).toBe(true)
    await shot(page, 'job-cancelled')
    const job = await api<{ status: string, history: unknown[] }>(base, 'GET', `/v1/training-jobs/${jobId}`)
    expect(job.status).toBe('cancelled')
    expect(job.history.length).toBeLessThan(100_000)
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect((await api<{ history: unknown[] }>(base, 'GET', `/v1/training-jobs/${jobId}`)).history.length).toBe(job.history.length)
    expect(offOrigin(requests, base)).toEqual([])
    expect(errors).toEqual([])
  })

  it('a job stopped from its page ends after its epoch and keeps its model, marked "stopped by request"', async () => {
    const { base } = on.server
    const jobId = await startJob(base, { epochs: 100_000, batchSize: 4 })
    const { page, requests, errors } = await openPage(on.browser)
    await page.goto(`${base}/ui/#/jobs/${jobId}`)
    await page.locator(DRAWN).first().waitFor({ timeout: 60_000 })
    await page.getByRole('button', { name: 'Stop and keep model' }).click()
    await page.locator('#job-state .badge', { hasText: 'succeeded' }).waitFor({ timeout: 30_000 })
    await page.locator('#job-model').waitFor()
    expect(await page.locator('#stop-job').isHidden()).toBe(true)
    expect(await page.locator('#cancel-job').isHidden()).toBe(true)
    expect(await page.locator('.marks').first().innerText()).toContain('stopped by request')
    const job = await api<{ status: string, stopReason: string, modelId: string, history: unknown[] }>(base, 'GET', `/v1/training-jobs/${jobId}`)
    expect(job).toMatchObject({ status: 'succeeded', stopReason: 'stopped' })
    expect(job.history.length).toBeLessThan(100_000)
    expect((await api<{ id: string }>(base, 'GET', `/v1/models/${job.modelId}`)).id).toBe(job.modelId)
    // in the job's words, a stop by request, not early stopping's "stopped early"
    expect(await page.locator('#job-state').innerText()).toContain(`stopped by request at epoch ${job.history.length.toLocaleString('en')} of 100,000`)
    await shot(page, 'job-stopped')
    expect(offOrigin(requests, base)).toEqual([])
    expect(errors).toEqual([])
  })

  it('draws a 10,000-epoch history thinned to at most 1,500 points per curve', async () => {
    const { base } = on.server
    const dataset = await api<{ id: string }>(base, 'POST', '/v1/datasets', { name: 'xor', features: [[0, 0], [0, 1], [1, 0], [1, 1]], targets: [0, 1, 1, 0] })
    const job = await api<{ id: string }>(base, 'POST', '/v1/training-jobs', {
      datasetId: dataset.id,
      network: { inputs: 2, layers: [{ units: 4, activation: 'tanh' }], output: { units: 1, activation: 'identity' } },
      training: { epochs: 10_000, batchSize: 4, optimizer: { type: 'adam', learningRate: 0.01 }, earlyStopping: false }
    })
    await finished(base, job.id, 120_000) // ≈12 s on the 2-core machine, with checkpoints every 1,000 epochs
    const { page, requests, errors } = await openPage(on.browser)
    await page.goto(`${base}/ui/#/jobs/${job.id}`)
    await page.locator('.chart[data-points="10000"]').first().waitFor({ timeout: 30_000 })
    const drawn = Number(await page.locator('.chart').first().getAttribute('data-drawn'))
    expect(drawn).toBeGreaterThan(1000)
    expect(drawn).toBeLessThanOrEqual(1502) // every 7th epoch, the last, and the best
    await shot(page, 'job-10000-epochs')
    await page.getByRole('link', { name: 'Models' }).click() // still answers
    await page.getByRole('heading', { name: 'Models' }).waitFor()
    expect(offOrigin(requests, base)).toEqual([])
    expect(errors).toEqual([])
  }, 180_000)

  it('overlays several jobs, and is usable by keyboard and on a phone-sized screen', async () => {
    const { base } = on.server
    const ids = [
      await startJob(base, { epochs: 30, batchSize: 16, seed: 1 }),
      // patience 2 on a noisy validation loss: stops well before 300 epochs
      await startJob(base, { epochs: 300, batchSize: 16, seed: 2, optimizer: { type: 'sgd', learningRate: 0.05 }, earlyStopping: { patience: 2 } })
    ]
    for (const id of ids) await finished(base, id)
    const { page, requests, errors } = await openPage(on.browser)
    await page.goto(`${base}/ui/#/datasets`)
    await page.getByRole('heading', { name: 'Datasets' }).waitFor()
    // keyboard: skip link, then the sections; Enter follows a link
    for (let i = 0; i < 3 && (await page.locator(':focus').count() === 0 || await page.locator(':focus').innerText() !== 'Training'); i++) await page.keyboard.press('Tab')
    expect(await page.locator(':focus').innerText()).toBe('Training')
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'Training jobs' }).waitFor()
    const boxes = ids.map((id) => page.getByRole('checkbox', { name: `Select job ${id} for comparison` }))
    await boxes[0].focus()
    await page.keyboard.press('Space')
    await boxes[1].check()
    await page.getByRole('button', { name: 'Compare selected' }).click()
    await page.getByRole('heading', { name: 'Compare jobs' }).waitFor()
    expect(await page.locator('main ul.compared li').count()).toBe(2)
    await page.locator(DRAWN).first().waitFor()
    await shot(page, 'compare')
    // from a job's own page, "compare with other jobs" opens the comparison with that job, and others can be added
    await page.goto(`${base}/ui/#/jobs/${ids[0]}`)
    await page.getByRole('link', { name: 'compare with other jobs' }).click()
    await page.getByRole('heading', { name: 'Compare jobs' }).waitFor()
    expect(await page.locator('main ul.compared li').count()).toBe(1)
    // named by what it shows (WCAG 2.5.3: the accessible name holds the visible text)
    const shown = ids[1].replace(/^job_/, '').slice(0, 6)
    const add = page.getByRole('link', { name: new RegExp(`^Add .* ${shown} to the comparison$`) })
    expect((await add.getAttribute('aria-label'))!.toLowerCase()).toContain((await add.innerText()).toLowerCase())
    await add.click()
    await page.locator('main ul.compared li').nth(1).waitFor()
    expect(await page.locator('main ul.compared li').count()).toBe(2)
    expect(page.url()).toContain(`ids=${ids[0]},${ids[1]}`)
    // and removed again
    await page.getByRole('link', { name: /^Remove .* from the comparison$/ }).first().click()
    // polled through the locator, not waitForFunction: its polling compiles the predicate in the page, which
    // the console's CSP (no 'unsafe-eval') refuses whenever the first check does not already pass
    await expect.poll(async () => await page.locator('main ul.compared li').count(), { timeout: 10_000 }).toBe(1)
    expect(page.url()).toContain(`ids=${ids[1]}`)

    const phone = await openPage(on.browser, { width: 390, height: 844 })
    await phone.page.goto(`${base}/ui/#/jobs/${ids[1]}`)
    await phone.page.locator(DRAWN).first().waitFor()
    expect(await phone.page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390)
    expect(await phone.page.locator('.marks').first().innerText()).toMatch(/(early stop|stopped[^·]*) at epoch \d+/)
    await shot(phone.page, 'job-phone')
    expect(offOrigin([...requests, ...phone.requests], base)).toEqual([])
    expect([...errors, ...phone.errors]).toEqual([])
  })
})

const KEY_A = 'console-key-tenant-a-0123456789'
const KEY_B = 'console-key-tenant-b-0123456789'

describe.skipIf(!available)(`the console with API_KEYS set${why}`, () => {
  const asA = { authorization: `Bearer ${KEY_A}` }
  // no worker: jobs stay queued, which is all these checks need; no rate limit for the 1,000 jobs
  const on = withConsole('console-keys', { API_KEYS: `${KEY_A}:tenant-a:read,train,predict;${KEY_B}:tenant-b:read,train`, RATE_LIMIT_PER_MINUTE: '0' })

  it('refuses without a key, works with one, and shows another tenant\'s job as not found', async () => {
    const { base } = on.server
    const jobId = await startJob(base, { epochs: 10, batchSize: 16 }, asA)
    const { page, requests, errors } = await openPage(on.browser)
    await page.goto(`${base}/ui/#/jobs`)
    await page.locator('#notice', { hasText: 'This server needs an API key' }).waitFor()
    expect(await page.locator('main').innerText()).toContain('this route needs an API key')
    expect(await page.locator(':focus').getAttribute('id')).toBe('api-key')
    await shot(page, 'keys-refused')

    await page.fill('#api-key', KEY_A)
    await page.getByRole('button', { name: 'Use key' }).click()
    await page.getByRole('heading', { name: 'Training jobs' }).waitFor()
    expect(await page.locator('#notice').innerText()).toBe('')
    await page.getByRole('link', { name: 'iris' }).first().click()
    await page.getByRole('heading', { name: 'Training job iris' }).waitFor()
    await page.reload() // the key lives in this tab's session storage
    await page.getByRole('heading', { name: 'Training job iris' }).waitFor()
    expect(await page.locator('#job-state .badge').innerText()).toBe('queued')

    const other = await openPage(on.browser)
    await other.page.goto(`${base}/ui/#/jobs/${jobId}`)
    await other.page.locator('#notice', { hasText: 'needs an API key' }).waitFor() // a new tab starts without a key
    await other.page.fill('#api-key', KEY_B)
    await other.page.keyboard.press('Enter')
    await other.page.getByRole('heading', { name: 'Not found' }).waitFor()
    expect(await other.page.locator('main').innerText()).toContain(`training job '${jobId}' not found`)
    await shot(other.page, 'keys-other-tenant')
    expect(offOrigin([...requests, ...other.requests], base)).toEqual([])
    expect([...errors, ...other.errors]).toEqual([])
  })

  it('pages through 1,000 jobs', async () => {
    const { base } = on.server
    const dataset = await api<{ id: string }>(base, 'POST', '/v1/datasets?target=species&name=many', IRIS.toString('utf8'), { authorization: `Bearer ${KEY_B}` })
    const body = {
      datasetId: dataset.id,
      network: { inputs: 4, layers: [], output: { units: 3, activation: 'softmax' } },
      training: { epochs: 1, batchSize: 16, optimizer: { type: 'sgd', learningRate: 0.1 } }
    }
    for (let i = 0; i < 1000; i += 20) {
      await Promise.all(Array.from({ length: 20 }, () => api(base, 'POST', '/v1/training-jobs', body, { authorization: `Bearer ${KEY_B}` })))
    }
    const { page, requests, errors } = await openPage(on.browser)
    await page.goto(`${base}/ui/#/jobs`)
    await page.fill('#api-key', KEY_B)
    await page.keyboard.press('Enter')
    await page.locator('.pager', { hasText: '1–25 of 1,000' }).waitFor()
    expect(await page.locator('tbody tr').count()).toBe(25)
    await page.getByRole('button', { name: 'Older ›' }).click()
    await page.locator('.pager', { hasText: '26–50 of 1,000' }).waitFor()
    expect(await page.locator('tbody tr').count()).toBe(25)
    await shot(page, 'jobs-paged')
    expect(offOrigin(requests, base)).toEqual([])
    expect(errors).toEqual([])
  })

  it('offers every dataset in the new job\'s picker, past the 1,000 one page of the list holds', async () => {
    const { base } = on.server
    const auth = { authorization: `Bearer ${KEY_A}` }
    const tiny = { features: [[1], [2], [3]], targets: [[0], [1], [0]] }
    const before = (await api<{ total: number }>(base, 'GET', '/v1/datasets?limit=1', undefined, auth)).total
    for (let i = before; i < 1001; i += 25) {
      await Promise.all(Array.from({ length: Math.min(25, 1001 - i) }, (_, j) => api(base, 'POST', '/v1/datasets', { name: `tiny-${i + j}`, ...tiny }, auth)))
    }
    const total = (await api<{ total: number }>(base, 'GET', '/v1/datasets?limit=1', undefined, auth)).total
    expect(total).toBe(Math.max(before, 1001))
    const { page, errors } = await openPage(on.browser)
    await page.goto(`${base}/ui/#/jobs/new`)
    await page.fill('#api-key', KEY_A)
    await page.keyboard.press('Enter')
    await page.locator('#job-dataset').waitFor()
    expect(await page.locator('#job-dataset option').count()).toBe(total)
    expect(errors).toEqual([])
  })
})
