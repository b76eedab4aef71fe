// What a new user found in the console, each checked in a real browser (chromium via playwright-core)
// against a real API and a real worker process: a job that stopped early reads as finished; the
// labels of close marks on its chart stack instead of overprinting; a model is evaluated once per tab;
// datasets that look alike are told apart; evaluation offers only datasets that fit the model;
// an upload refused for a missing cell points at the form's field.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, it, expect } from 'vitest'
import { api, CHROMIUM, finished, offOrigin, openPage, shot, withConsole } from './console-env.js'

const available = existsSync(CHROMIUM)
const why = available ? '' : ` (SKIPPED: ${CHROMIUM} is missing; install it with \`apt-get install -y chromium\`)`
const IRIS = readFileSync(new URL('../fixtures/iris.csv', import.meta.url), 'utf8')


describe.skipIf(!available)(`the console, as a new user found it${why}`, () => {
  const on = withConsole('console-polish', {}, {})
  let irisId = ''
  let jobId = ''
  let modelId = ''

  beforeAll(async () => {
    const { base } = on.server
    irisId = (await api<{ id: string }>(base, 'POST', '/v1/datasets?target=species&name=iris', IRIS)).id
    // patience 2 on a noisy validation loss (sgd, seed 2): stops well before 300 epochs
    jobId = (await api<{ id: string }>(base, 'POST', '/v1/training-jobs', {
      datasetId: irisId,
      network: { inputs: 4, layers: [{ units: 16, activation: 'relu' }], output: { units: 3, activation: 'softmax' } },
      training: { epochs: 300, batchSize: 16, seed: 2, optimizer: { type: 'sgd', learningRate: 0.05 }, validationSplit: 0.2, earlyStopping: { patience: 2 } },
      modelName: 'iris'
    })).id
    await finished(base, jobId)
    modelId = (await api<{ modelId: string }>(base, 'GET', `/v1/training-jobs/${jobId}`)).modelId
  }, 120_000)

  it('shows a job that stopped early as finished: a full bar that says where it stopped', async () => {
    const { base } = on.server
    const job = await api<{ history: Array<{ epoch: number }> }>(base, 'GET', `/v1/training-jobs/${jobId}`)
    const ran = job.history.at(-1)!.epoch
    expect(ran).toBeLessThan(300) // what this test is about: it did stop early
    const { page, requests, errors } = await openPage(on.browser)
    await page.goto(`${base}/ui/#/jobs`)
    await page.getByRole('heading', { name: 'Training jobs' }).waitFor()
    const bar = page.locator('tbody tr progress').first()
    expect(await bar.evaluate((el) => (el as unknown as { position: number }).position)).toBe(1) // full
    expect(await page.locator('tbody tr').first().innerText()).toContain(`stopped early at epoch ${ran} of 300`)
    await page.goto(`${base}/ui/#/jobs/${jobId}`)
    await page.locator('#job-state .badge', { hasText: 'succeeded' }).waitFor()
    expect(await page.locator('.job-status progress').evaluate((el) => (el as unknown as { position: number }).position)).toBe(1)
    expect(await page.locator('#job-state').innerText()).toContain(`stopped early at epoch ${ran} of 300`)
    expect(offOrigin(requests, base)).toEqual([])
    expect(errors).toEqual([])
  })

  it('stacks the labels of marks on close epochs (best, then the stop two epochs later) so none overprints another', async () => {
    const { base } = on.server
    const { page, errors } = await openPage(on.browser)
    await page.goto(`${base}/ui/#/jobs/${jobId}`)
    const chart = page.locator('.chart[data-mark-labels]').first()
    await chart.waitFor()
    const marks = await page.locator('.marks').first().innerText()
    const [best, stop] = [/best[^·]* at epoch (\d+)/.exec(marks), /(stopped|early stop)[^·]* at epoch (\d+)/.exec(marks)]
    expect(best).not.toBeNull()
    expect(stop).not.toBeNull()
    expect(Number(stop![2]) - Number(best![1])).toBeLessThanOrEqual(3) // patience 2: the marks are close
    const labels = JSON.parse((await chart.getAttribute('data-mark-labels'))!) as Array<{ left: number, right: number, row: number }>
    expect(labels).toHaveLength(2)
    const box = (await chart.boundingBox())!
    for (const l of labels) {
      expect(l.right - l.left).toBeGreaterThan(10) // the label's measured text
      expect(l.left).toBeGreaterThanOrEqual(0)
      expect(l.right).toBeLessThanOrEqual(box.width)
    }
    const [a, b] = labels
    const apart = a.row !== b.row || a.right <= b.left || b.right <= a.left
    expect(apart).toBe(true)
    // the labels sit in a band above the plot, so no curve runs under them (uPlot's plot area starts below it)
    const plotTop = await page.locator('.chart .u-over').first().evaluate((el) => (el as unknown as { offsetTop: number }).offsetTop)
    expect(plotTop).toBeGreaterThanOrEqual(2 * 16)
    // which epoch's weights the model holds: early stopping restored the best's
    expect(await page.locator('#job-weights-epoch').innerText()).toBe(`, epoch ${best![1]}'s weights: the best of ${stop![2]} run (early stopping restored them)`)
    await shot(page, 'job-marks-close')
    await page.goto(`${base}/ui/#/models/${modelId}`)
    expect(await page.locator('#model-weights-epoch').innerText()).toBe(`Holds epoch ${best![1]}'s weights: the best of ${stop![2]} run (early stopping restored them).`)
    expect(await page.getByRole('table', { name: `Metrics of epoch ${best![1]}'s weights` }).locator('tbody').innerText()).toMatch(/^epochs run\t/m)
    expect(errors).toEqual([])
  })

  it('evaluates a model once per tab: coming back to its page shows the kept result without another POST', async () => {
    const { base } = on.server
    const { page, requests, errors } = await openPage(on.browser)
    const evaluations = (): number => requests.filter((url) => url.endsWith('/evaluate')).length
    await page.goto(`${base}/ui/#/models/${encodeURIComponent(modelId)}`)
    await page.locator('#confusion-matrix').waitFor()
    const first = await page.locator('#confusion-matrix tbody td').allInnerTexts()
    expect(first.reduce((sum, c) => sum + Number(c), 0)).toBe(150) // iris, every row counted once
    // every cell's text meets WCAG AA's 4.5:1 against its shade, as the browser computes both (white on light green read 1.7:1)
    const colours = await page.locator('#confusion-matrix tbody td').evaluateAll((cells) => cells.map((c) => {
      const style = (globalThis as unknown as { getComputedStyle (e: unknown): { color: string, backgroundColor: string } }).getComputedStyle(c)
      return [style.color, style.backgroundColor]
    }))
    const luminance = (rgb: string): number => {
      const [r, g, b] = (rgb.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((v) => Number(v) / 255).map((c) => c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)
      return 0.2126 * r + 0.7152 * g + 0.0722 * b
    }
    for (const [fg, bg] of colours) {
      const [hi, lo] = [luminance(fg), luminance(bg)].sort((a, b) => b - a)
      expect((hi + 0.05) / (lo + 0.05), `${fg} on ${bg}`).toBeGreaterThanOrEqual(4.5)
    }
    expect(evaluations()).toBe(1)
    await page.getByRole('link', { name: 'Models' }).click()
    await page.getByRole('heading', { name: 'Models' }).waitFor()
    await page.goBack()
    await page.getByRole('heading', { name: 'iris v1' }).waitFor()
    await page.locator('#confusion-matrix').waitFor()
    expect(await page.locator('#confusion-matrix tbody td').allInnerTexts()).toEqual(first)
    await page.getByRole('button', { name: 'Evaluate' }).click() // the same dataset again: still the kept result
    await page.locator('#confusion-matrix').waitFor()
    expect(evaluations()).toBe(1)
    expect(offOrigin(requests, base)).toEqual([])
    expect(errors).toEqual([])
  })

  it('tells datasets that look alike apart in the job form\'s and evaluate\'s pickers and the list: upload time and a short id, "(unnamed)" for no name', async () => {
    const { base } = on.server
    const again = (await api<{ id: string }>(base, 'POST', '/v1/datasets?target=species&name=iris', IRIS)).id
    const unnamed = (await api<{ id: string }>(base, 'POST', '/v1/datasets?target=species', IRIS)).id
    const { page, requests, errors } = await openPage(on.browser)
    await page.goto(`${base}/ui/#/jobs/new`)
    await page.getByRole('heading', { name: 'New training job' }).waitFor()
    const options = async (select: string, id: string): Promise<string> => await page.locator(`${select} option[value="${id}"]`).innerText()
    const form = await Promise.all([irisId, again, unnamed].map(async (id) => await options('#job-dataset', id)))
    expect(new Set(form).size).toBe(3)
    for (const [i, id] of [irisId, again, unnamed].entries()) {
      expect(form[i]).toContain(id.slice(0, 11)) // ds_ and 8 characters of the id
      expect(form[i]).toMatch(/150 rows · \d\d\/\d\d\/\d{4}, \d\d:\d\d:\d\d/)
    }
    expect(form[0]).toMatch(/^iris · /)
    expect(form[2]).toMatch(/^\(unnamed\) · /)
    await page.goto(`${base}/ui/#/models/${encodeURIComponent(modelId)}`)
    await page.locator('#evaluate-dataset').waitFor()
    expect(await Promise.all([irisId, again, unnamed].map(async (id) => await options('#evaluate-dataset', id)))).toEqual(form)
    await page.goto(`${base}/ui/#/datasets`)
    await page.getByRole('heading', { name: 'Datasets' }).waitFor()
    const row = page.locator('tbody tr', { hasText: unnamed.slice(0, 11) })
    expect(await row.getByRole('link').innerText()).toBe('(unnamed)')
    await shot(page, 'datasets-alike')
    expect(offOrigin(requests, base)).toEqual([])
    expect(errors).toEqual([])
  })

  it('shows a dataset\'s upload warnings on its page: a date column with a different category in every row (a data trial)', async () => {
    const { base } = on.server
    const lines = Array.from({ length: 24 }, (_, i) => `${i},2024-02-${String(i + 1).padStart(2, '0')},${i % 2 === 0 ? 'a' : 'b'}`)
    const dated = await api<{ id: string, warnings: string[] }>(base, 'POST', '/v1/datasets?target=y&name=dated', `x,day,y\n${lines.join('\n')}\n`)
    expect(dated.warnings).toHaveLength(1)
    const { page, errors } = await openPage(on.browser)
    await page.goto(`${base}/ui/#/datasets/${dated.id}`)
    await page.getByRole('heading', { name: 'dated' }).waitFor()
    expect(await page.getByRole('note').filter({ hasText: 'column "day" has 24 categories' }).innerText()).toBe(dated.warnings[0])
    // a dataset with nothing to say shows no note
    await page.goto(`${base}/ui/#/datasets/${irisId}`)
    await page.getByRole('heading', { name: 'iris' }).waitFor()
    expect(await page.getByRole('note').count()).toBe(0)
    expect(errors).toEqual([])
  })

  it('offers for evaluation only datasets with the model\'s feature columns; the others are listed, disabled, saying why', async () => {
    const { base } = on.server
    const xor = (await api<{ id: string }>(base, 'POST', '/v1/datasets', { name: 'xor', features: [[0, 0], [0, 1], [1, 0], [1, 1]], targets: [0, 1, 1, 0] })).id
    const { page, requests, errors } = await openPage(on.browser)
    await page.goto(`${base}/ui/#/models/${encodeURIComponent(modelId)}`)
    await page.locator('#confusion-matrix').waitFor()
    const other = page.locator(`#evaluate-dataset option[value="${xor}"]`)
    expect(await other.isDisabled()).toBe(true)
    expect(await other.innerText()).toContain('does not fit this model')
    expect(await other.getAttribute('title')).toContain('the model takes sepal_length_(cm), sepal_width_(cm), petal_length_(cm), petal_width_(cm)')
    expect(await page.locator(`#evaluate-dataset option[value="${irisId}"]`).isDisabled()).toBe(false)
    expect(await page.inputValue('#evaluate-dataset')).toBe(irisId) // the model's own dataset, still chosen
    expect(offOrigin(requests, base)).toEqual([])
    expect(errors).toEqual([])
  })

  it('points a missing cell\'s upload error at the form\'s "Missing cells" field, not at the API\'s ?missing=mean', async () => {
    const { base } = on.server
    const { page, requests, errors } = await openPage(on.browser)
    await page.goto(`${base}/ui/#/datasets`)
    await page.getByRole('heading', { name: 'Datasets' }).waitFor()
    const csv = 'a,b,y\n1,2,yes\n3,,no\n5,6,yes\n7,8,no\n'
    await page.setInputFiles('#csv-file', { name: 'holes.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) })
    await page.locator('#csv-target option[value="y"]').waitFor({ state: 'attached' })
    await page.getByRole('button', { name: 'Upload' }).click() // "Missing cells" left at refuse
    const alert = page.locator('form .note.error')
    await alert.waitFor()
    const text = await alert.innerText()
    expect(text).toContain('missing') // the API's own account of where: still there
    expect(text).toMatch(/column 'b'|column b|"b"|'b'/)
    expect(text).toContain('"Missing cells" field above')
    expect(text).not.toContain('?missing=')
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('csv-missing')
    await shot(page, 'datasets-missing-cell')
    await page.selectOption('#csv-missing', 'mean')
    await page.getByRole('button', { name: 'Upload' }).click() // what the note says to do, done: it uploads
    await page.getByRole('heading', { name: 'holes' }).waitFor()
    expect(offOrigin(requests, base)).toEqual([])
    expect(errors).toEqual([])
  })

  it('says a binary file is not CSV, drops an error once the file or the form changes, and explains a target of one class instead of offering a head the API refuses', async () => {
    const { base } = on.server
    const { page, requests, errors } = await openPage(on.browser)
    await page.goto(`${base}/ui/#/datasets`)
    await page.getByRole('heading', { name: 'Datasets' }).waitFor()
    // a real 1×1 PNG (Python's zlib): the API names it, rather than calling it text of the wrong encoding
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==', 'base64')
    await page.setInputFiles('#csv-file', { name: 'photo.png', mimeType: 'image/png', buffer: png })
    await page.getByRole('button', { name: 'Upload' }).click()
    const alert = page.locator('form .note.error')
    await alert.waitFor()
    expect(await alert.innerText()).toContain('the data is a PNG image, not CSV text')
    // another file: the old error goes at once, before any upload
    await page.setInputFiles('#csv-file', { name: 'one-class.csv', mimeType: 'text/csv', buffer: Buffer.from('a;b;c\n1;2;x\n3;4;x\n') })
    expect(await alert.count()).toBe(0)
    await page.locator('#csv-target option[value="c"]').waitFor({ state: 'attached' })
    await page.getByRole('button', { name: 'Upload' }).click()
    await page.getByRole('heading', { name: 'one-class' }).waitFor()
    await page.getByRole('link', { name: 'Train on this dataset' }).click()
    await page.getByRole('heading', { name: 'New training job' }).waitFor()
    expect(await page.locator('#job-shape').innerText()).toBe('Every row of one-class has the class "x": a classifier needs rows of at least two classes. ' +
      'Upload rows of the other classes too (a dataset of one class can still score a model: POST /v1/models/{ref}/evaluate).')
    expect(await page.getByRole('button', { name: 'Start training' }).isDisabled()).toBe(true)
    expect(await page.locator('#job-head').isDisabled()).toBe(true)
    // iris instead: a head again, and Start on; a refused job's error goes once the form is edited
    await page.selectOption('#job-dataset', irisId)
    expect(await page.getByRole('button', { name: 'Start training' }).isEnabled()).toBe(true)
    expect(await page.locator('#job-shape').innerText()).toContain('4 inputs → 100 relu → 3 softmax')
    await page.fill('#job-epochs', '100000000')
    await page.getByRole('button', { name: 'Start training' }).click()
    const refused = page.locator('form .note.error')
    await refused.waitFor()
    expect(await refused.innerText()).toContain('training.epochs is 100000000')
    await page.fill('#job-epochs', '50')
    expect(await refused.count()).toBe(0)
    expect(offOrigin(requests, base)).toEqual([])
    expect(errors).toEqual([])
  })

  it('says a two-output regression\'s scores are means over its outputs, so an RMSE that is not √MSE does not read as a slip', async () => {
    const { base } = on.server
    // y₁ = x, y₂ = 10·x on 40 rows: the outputs' errors differ in scale, so the mean RMSE is far from √(mean MSE)
    const features = Array.from({ length: 40 }, (_, i) => [i / 40])
    const datasetId = (await api<{ id: string }>(base, 'POST', '/v1/datasets', { name: 'two-outputs', features, targets: features.map(([x]) => [x, 10 * x]), targetNames: ['small', 'large'] })).id
    const job = await api<{ id: string }>(base, 'POST', '/v1/training-jobs', {
      datasetId, network: { layers: [{ units: 4, activation: 'tanh' }], output: { activation: 'identity' } },
      training: { epochs: 3, batchSize: 8, optimizer: { type: 'sgd', learningRate: 0.01 }, validationSplit: 0 }
    })
    await finished(base, job.id)
    const model = (await api<{ modelId: string }>(base, 'GET', `/v1/training-jobs/${job.id}`)).modelId
    const { page, errors } = await openPage(on.browser)
    await page.goto(`${base}/ui/#/models/${encodeURIComponent(model)}`)
    const line = page.locator('#evaluation p', { hasText: 'RMSE' })
    await line.waitFor()
    expect(await line.innerText()).toMatch(/^40 rows · MSE [\d.,e-]+ · RMSE [\d.,e-]+ · MAE [\d.,e-]+ · R² -?[\d.,e-]+ \(each the mean of the 2 outputs' scores below\)$/)
    expect(await page.getByRole('table', { name: 'Per output' }).locator('tbody tr').count()).toBe(2)
    expect(errors).toEqual([])
  })
  it('offers to store a model under a served name with other inputs anyway, where the API refuses it and says how to opt in', async () => {
    const { base } = on.server
    // "shape" serves one input; an iris job stored under that name would change it
    await api(base, 'POST', '/v1/models', {
      format: 'backprop.model', version: 1, network: { inputs: 1, layers: [], output: { units: 1, activation: 'identity' } },
      layers: [{ W: [[2]], b: [0] }], featureNames: ['x'], name: 'shape'
    })
    const { page, requests, errors } = await openPage(on.browser)
    await page.goto(`${base}/ui/#/jobs/new?dataset=${encodeURIComponent(irisId)}`)
    await page.getByRole('heading', { name: 'New training job' }).waitFor()
    await page.fill('#job-epochs', '2')
    await page.fill('#job-model-name', 'shape')
    await page.getByRole('button', { name: 'Start training' }).click()
    const refused = page.locator('form .note.error')
    await refused.waitFor()
    expect(await refused.innerText()).toMatch(/would change the signature of its newest \(version 1, .*send "allowSignatureChange": true/)
    const sent = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/v1/training-jobs'))
    await page.getByRole('button', { name: 'Store it as a new version of "shape" anyway' }).click()
    expect((await sent).postDataJSON()).toMatchObject({ modelName: 'shape', allowSignatureChange: true })
    await page.getByRole('heading', { name: /Training job/ }).waitFor()
    expect(offOrigin(requests, base)).toEqual([])
    expect(errors).toEqual([])
  })

  it('imports a model\'s JSON export as its next version, and deletes a model, a job and a dataset from their pages, asking first', async () => {
    const { base } = on.server
    const { page, errors } = await openPage(on.browser)
    const exported = await (await fetch(`${base}/v1/models/${modelId}/export`)).text()
    const file = join(mkdtempSync(join(tmpdir(), 'console-import-')), 'iris-v1.json')
    writeFileSync(file, exported)
    await page.goto(`${base}/ui/#/models`)
    await page.getByRole('form', { name: 'Import a model' }).waitFor()
    await page.setInputFiles('#import-file', file)
    await page.getByRole('button', { name: 'Import' }).click()
    await page.getByRole('heading', { name: 'iris v2' }).waitFor()
    const imported = decodeURIComponent(page.url().split('#/models/')[1])
    expect((await api<{ name: string, version: number }>(base, 'GET', `/v1/models/${imported}`)).version).toBe(2)
    // a file that is not an export: the API's words, beside the form
    writeFileSync(file, '{"format": "nothing"}')
    await page.goto(`${base}/ui/#/models`)
    await page.setInputFiles('#import-file', file)
    await page.getByRole('button', { name: 'Import' }).click()
    await page.locator('form[aria-label="Import a model"] .note').waitFor()
    await shot(page, 'models-import-refused')

    // the imported version: a dismissed question deletes nothing, an accepted one deletes it and goes to the list
    await page.goto(`${base}/ui/#/models/${encodeURIComponent(imported)}`)
    const questions: string[] = []
    page.once('dialog', (d) => { questions.push(d.message()); void d.dismiss() })
    await page.getByRole('button', { name: 'Delete model iris v2' }).click()
    expect(questions[0]).toMatch(/^Delete model iris v2\? This version goes;/)
    expect((await fetch(`${base}/v1/models/${imported}`)).status).toBe(200)
    page.once('dialog', (d) => { void d.accept() })
    await page.getByRole('button', { name: 'Delete model iris v2' }).click()
    await page.getByRole('heading', { name: 'Models' }).waitFor()
    expect((await fetch(`${base}/v1/models/${imported}`)).status).toBe(404)

    // a finished job: its record goes, its model stays
    const spare = await api<{ id: string }>(base, 'POST', '/v1/training-jobs', {
      datasetId: irisId, network: { inputs: 4, layers: [{ units: 4, activation: 'tanh' }], output: { units: 3, activation: 'softmax' } }, training: { epochs: 2 }
    })
    const done = await finished(base, spare.id)
    await page.goto(`${base}/ui/#/jobs/${spare.id}`)
    page.once('dialog', (d) => { void d.accept() })
    await page.getByRole('button', { name: /^Delete training job/ }).click()
    await page.getByRole('heading', { name: 'Training jobs' }).waitFor()
    expect((await fetch(`${base}/v1/training-jobs/${spare.id}`)).status).toBe(404)
    expect((await fetch(`${base}/v1/models/${done.modelId}`)).status).toBe(200)

    // a dataset
    const extra = await api<{ id: string }>(base, 'POST', '/v1/datasets?target=species&name=iris-extra', IRIS)
    await page.goto(`${base}/ui/#/datasets/${extra.id}`)
    page.once('dialog', (d) => { void d.accept() })
    await page.getByRole('button', { name: 'Delete dataset iris-extra' }).click()
    await page.getByRole('heading', { name: 'Datasets' }).waitFor()
    expect((await fetch(`${base}/v1/datasets/${extra.id}`)).status).toBe(404)
    expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([])
  })

  it('shows the API\'s refusal of a field at that field: marked invalid, its message beside it, the focus on it', async () => {
    const { base } = on.server
    const { page } = await openPage(on.browser)
    await page.goto(`${base}/ui/#/jobs/new?dataset=${irisId}`)
    await page.locator('#job-lr').fill('0') // the browser lets 0 through (min 0); the API wants more than 0
    await page.locator('#job-start').click()
    await page.locator('#job-lr[aria-invalid="true"]').waitFor()
    const described = await page.locator('#job-lr').getAttribute('aria-describedby')
    expect(await page.locator(`#${described!.split(' ').at(-1)!}`).innerText()).toMatch(/must be > 0/)
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document.activeElement?.id)).toBe('job-lr')
    await shot(page, 'job-form-field-fault')
    // a limit the server sets (MAX_EPOCHS), at the epochs field; the learning rate's mark goes with the new answer
    await page.locator('#job-lr').fill('0.01')
    await page.locator('#job-epochs').fill('1000000000')
    await page.locator('#job-start').click()
    await page.locator('#job-epochs[aria-invalid="true"]').waitFor()
    expect(await page.locator('#job-lr').getAttribute('aria-invalid')).toBeNull()
    expect(await page.locator('.field-fault').allInnerTexts()).toEqual([expect.stringMatching(/MAX_EPOCHS/)])
    // a hidden layer's field, by its path network.layers[0].units
    await page.locator('#job-epochs').fill('5')
    await page.locator('#job-layers > li').first().locator('input[aria-label="Units"]').fill('100000000')
    await page.locator('#job-start').click()
    await page.locator('#job-layers > li input[aria-label="Units"][aria-invalid="true"]').waitFor()
    expect(await page.locator('.field-fault').allInnerTexts()).toEqual([expect.stringMatching(/100000/)])
  })
})
