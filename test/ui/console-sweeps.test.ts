// The console's sweep pages in a real browser (chromium via playwright-core) against a real API and a
// real worker process. A long sweep holds the worker, so a second sweep is surely queued when its page
// opens; cancelling the long one from its page (a second tab) frees the worker, and the first tab's
// page follows the second sweep to its end live, from its event stream, without a reload: the results
// table ranked (the case is built so that the answer is known), a link to every child job, the best
// trial, and the retrained model.
import { existsSync, readFileSync } from 'node:fs'
import { describe, it, expect } from 'vitest'
import { CHROMIUM, offOrigin, openPage, shot, withConsole } from './console-env.js'

const available = existsSync(CHROMIUM)
const why = available ? '' : ` (SKIPPED: ${CHROMIUM} is missing; install it with \`apt-get install -y chromium\`)`
const IRIS = readFileSync(new URL('../fixtures/iris.csv', import.meta.url), 'utf8')

interface SweepView { status: string, results: Array<{ folds: Array<{ status: string }> }> }


describe.skipIf(!available)(`the console's sweeps${why}`, () => {
  const on = withConsole('console-sweeps', {}, {})

  async function call<T> (method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(on.server.base + path, {
      method, ...(body === undefined ? {} : { headers: { 'content-type': typeof body === 'string' ? 'text/csv' : 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) })
    })
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`)
    return await res.json() as T
  }

  /**
   * Same seed and initial weights, 2 folds, Adam at 0.05: the held-out log loss after 60 epochs is
   * below that after 2, so the trial of 60 epochs ranks first.
   */
  const sweep = async (datasetId: string, epochs: number[], modelName: string): Promise<string> => (await call<{ id: string }>('POST', '/v1/sweeps', {
    datasetId,
    network: { layers: [{ units: 8, activation: 'tanh' }], output: { activation: 'softmax' } },
    training: { batchSize: 16, validationSplit: 0, earlyStopping: false, seed: 5, optimizer: { type: 'adam', learningRate: 0.05 } },
    searchSpace: { 'training.epochs': { type: 'grid', values: epochs } },
    metric: 'log_loss', folds: 2, seed: 1, modelName
  })).id

  it('lists sweeps, follows one live to its ranked results and model, and cancels another', async () => {
    const { base } = on.server
    const datasetId = (await call<{ id: string }>('POST', '/v1/datasets?target=species&name=iris', IRIS)).id
    const long = await sweep(datasetId, [90_000, 95_000], 'iris-long')
    for (let i = 0; ; i++) {
      const view = await call<SweepView>('GET', `/v1/sweeps/${long}`)
      if (view.results.some((t) => t.folds.some((f) => f.status === 'running'))) break
      if (i > 600) throw new Error('no child of the long sweep started within 60 s')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const short = await sweep(datasetId, [2, 60], 'iris-sweep')

    // ---- the list, then the short sweep's page while it waits behind the long one
    const a = await openPage(on.browser)
    await a.page.goto(`${base}/ui/#/sweeps`)
    await a.page.getByRole('heading', { name: 'Sweeps' }).waitFor()
    expect(await a.page.locator('#sweep-list tbody tr').count()).toBe(2)
    expect(await a.page.locator('#sweep-list tbody tr').first().innerText()).toMatch(/iris-sweep[\s\S]*queued[\s\S]*0 \/ 2 trials[\s\S]*log_loss \(lower is better\)/)
    await shot(a.page, 'sweeps')
    await a.page.getByRole('link', { name: 'iris-sweep' }).click()
    await a.page.getByRole('heading', { name: 'Sweep iris-sweep' }).waitFor()
    expect(await a.page.locator('#sweep-state .badge').innerText()).toBe('queued')
    expect(await a.page.locator('#sweep-state').innerText()).toMatch(/0 of 2 trials done · 0 of 4 jobs/)

    // ---- the long sweep cancelled from its own page, in a second tab
    const b = await openPage(on.browser)
    await b.page.goto(`${base}/ui/#/sweeps/${long}`)
    await b.page.getByRole('heading', { name: 'Sweep iris-long' }).waitFor()
    expect(await b.page.locator('#sweep-state .badge').innerText()).toBe('running')
    // it asks first, as a job's cancel does: a dismissed question cancels nothing
    const asked: string[] = []
    b.page.once('dialog', (d) => { asked.push(d.message()); void d.dismiss() })
    await b.page.getByRole('button', { name: 'Cancel sweep' }).click()
    expect(asked[0]).toMatch(/^Cancel this sweep\? It stores no model and ranks nothing/)
    expect(await b.page.locator('#sweep-state .badge').innerText()).toBe('running')
    b.page.once('dialog', (d) => { void d.accept() })
    await b.page.getByRole('button', { name: 'Cancel sweep' }).click()
    await b.page.locator('#sweep-state .badge', { hasText: 'cancelled' }).waitFor({ timeout: 60_000 })
    expect(await b.page.getByRole('button', { name: 'Cancel sweep' }).isHidden()).toBe(true)
    await b.page.locator('#sweep-results .badge', { hasText: 'cancelled' }).first().waitFor()
    await shot(b.page, 'sweep-cancelled')

    // ---- the first tab follows the short sweep to its end, without a reload
    await a.page.locator('#sweep-state .badge', { hasText: 'succeeded' }).waitFor({ timeout: 120_000 })
    expect(a.requests.filter((url) => url.endsWith(`/v1/sweeps/${short}/events`)).length).toBeGreaterThanOrEqual(1)
    expect(a.requests.filter((url) => url.includes('/ui/') && !url.includes('/ui/assets/')).length).toBe(1) // the one page load
    expect(await a.page.locator('#sweep-state').innerText()).toMatch(/2 of 2 trials done · 4 of 4 jobs/)
    const rows = a.page.locator('#sweep-results tbody tr')
    expect(await rows.count()).toBe(2)
    expect(await rows.first().locator('td.rank').innerText()).toBe('1')
    expect(await rows.first().innerText()).toContain('epochs = 60')
    expect(await rows.nth(1).locator('td.rank').innerText()).toBe('2')
    expect(await a.page.locator('#sweep-best').innerText()).toMatch(/^trial 1: [\d.]+ ± [\d.]+ \(epochs = 60\)$/)
    const jobLinks = await a.page.locator('#sweep-results td.jobs a').evaluateAll((els) => els.map((e) => [e.textContent, e.getAttribute('href')]))
    expect(jobLinks.map(([text]) => text)).toEqual(['fold 0', 'fold 1', 'fold 0', 'fold 1'])
    // the folds' columns are numbered as their links are
    expect((await a.page.locator('#sweep-results thead th').allInnerTexts()).filter((t) => t.startsWith('Fold'))).toEqual(['Fold 0', 'Fold 1'])
    for (const [, href] of jobLinks) expect(href).toMatch(/^#\/jobs\/job_/)
    await shot(a.page, 'sweep')

    // ---- a child job, and the retrained best model
    await a.page.locator('#sweep-results td.jobs a').first().click()
    await a.page.getByRole('heading', { name: /Training job/ }).waitFor()
    expect(await a.page.locator('#job-state .badge').innerText()).toBe('succeeded')
    // it names its sweep, trial and fold, with the sweep's own numbering, and links back
    expect(await a.page.locator('#job-sweep').getAttribute('href')).toBe(`#/sweeps/${short}`)
    await a.page.goBack()
    await a.page.locator('#sweep-model').click()
    await a.page.getByRole('heading', { name: 'iris-sweep v1' }).waitFor()

    for (const { requests, errors } of [a, b]) {
      expect(offOrigin(requests, base)).toEqual([])
      expect(errors).toEqual([])
    }
  })
  it('starts a sweep from the job form: fields given several values, folds and a metric, followed to its model', async () => {
    const { base } = on.server
    const datasetId = (await call<{ id: string }>('POST', '/v1/datasets?target=species&name=iris-form', IRIS)).id
    const { page, requests, errors } = await openPage(on.browser)
    await page.goto(`${base}/ui/#/sweeps`)
    await page.getByRole('link', { name: 'New sweep' }).click()
    await page.getByRole('heading', { name: 'New sweep' }).waitFor()
    expect(await page.locator('#sweep').getAttribute('open')).not.toBeNull()
    await page.selectOption('#job-dataset', datasetId)
    await page.fill('#job-batch', '16')
    expect(await page.locator('#sweep-metric option').evaluateAll((els) => els.map((e) => e.getAttribute('value')))).toEqual(['accuracy', 'balanced_accuracy', 'f1_macro', 'f1_weighted', 'roc_auc_ovr', 'log_loss'])
    // "New sweep" starts with the learning rate searched, so that Start starts a sweep
    expect(await page.locator('#sweep-field-0-field').inputValue()).toBe('training.optimizer.learningRate')
    expect(await page.locator('#job-start').innerText()).toBe('Start sweep')
    await page.fill('#sweep-field-0-values', '0.01, 0.05')
    // a searched field's own value is not used, and may be left empty
    await page.fill('#job-lr', '')

    // the second layer's units searched, then the first layer removed: the row stays on its layer, now layer 1
    await page.getByRole('button', { name: 'Add hidden layer' }).click()
    await page.fill('#layer-1-units', '6')
    await page.getByRole('button', { name: 'Search a field' }).click()
    await page.selectOption('#sweep-field-1-field', 'layer-1.units')
    expect(await page.locator('#sweep-field-1-values').getAttribute('placeholder')).toBe('32, 64, 128')
    await page.locator('#layer-0 .remove').click()
    expect(await page.locator('#sweep-field-1-field option:checked').innerText()).toBe('Layer 1 units')
    expect(await page.getByRole('textbox', { name: 'Searched field 2: values, separated by commas' }).count()).toBe(1)

    await page.fill('#sweep-field-1-values', '4, x')
    expect(await page.locator('#job-start').innerText()).toBe('Start sweep')
    await page.fill('#job-epochs', '5')
    await page.fill('#job-model-name', 'iris-form-sweep')
    await page.locator('#job-start').click()
    expect(await page.getByRole('alert').innerText()).toBe('searched field 2 (Layer 1 units): "x" is not a number (a decimal point, not a comma: 0.01)')
    // a row added or removed drops the error, which may no longer apply; Remove leaves the focus on "Search a field"
    await page.getByRole('button', { name: 'Search a field' }).click()
    expect(await page.getByRole('alert').count()).toBe(0)
    await page.getByRole('button', { name: 'Remove field 3 from the search' }).click()
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('sweep-add-field')
    await page.fill('#sweep-field-1-values', '4, 8')
    expect(await page.locator('#job-start').innerText()).toBe('Start sweep: 4 configurations + 1 retraining')
    await page.fill('#sweep-folds', '2')
    expect(await page.locator('#job-start').innerText()).toBe('Start sweep: 4 configurations × 2 folds = 8 training jobs + 1 retraining')

    // a double click starts one sweep
    const posts: string[] = []
    page.on('request', (r) => { if (r.method() === 'POST' && r.url().endsWith('/v1/sweeps')) posts.push(r.postData() ?? '') })
    const sent = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/v1/sweeps'))
    await page.locator('#job-start').dblclick()
    const body = (await sent).postDataJSON() as { datasetId: string, network: { layers: unknown[] }, training: { epochs: number, optimizer: Record<string, unknown> } }
    expect(body).toMatchObject({
      datasetId,
      searchSpace: { 'training.optimizer.learningRate': { type: 'grid', values: [0.01, 0.05] }, 'network.layers.0.units': { type: 'grid', values: [4, 8] } },
      folds: 2, metric: 'accuracy', seed: 0, modelName: 'iris-form-sweep', training: { epochs: 5 }
    })
    expect(body.network.layers).toEqual([{ units: 6, activation: 'relu' }])
    expect(body.training.optimizer).toEqual({ type: 'adam' })
    await page.getByRole('heading', { name: 'Sweep iris-form-sweep' }).waitFor()
    expect(posts).toHaveLength(1)
    await page.locator('#sweep-state .badge', { hasText: 'succeeded' }).waitFor({ timeout: 120_000 })
    expect(await page.locator('#sweep-results tbody tr').count()).toBe(4)
    expect(await page.locator('#sweep-results td.jobs a').count()).toBe(8)
    await shot(page, 'sweep-from-form')
    await page.locator('#sweep-model').click()
    await page.getByRole('heading', { name: 'iris-form-sweep v1' }).waitFor()
    expect((await call<{ total: number }>('GET', '/v1/sweeps?limit=1')).total).toBe(3)
    expect(offOrigin(requests, base)).toEqual([])
    expect(errors).toEqual([])
  })
})
