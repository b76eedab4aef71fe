// What an audit of issue 15 found when reading each page of the console as a new user, checked in a real
// browser (chromium via playwright-core) against a real API and a real worker process: a dataset's columns
// show their kind, statistics, categories and missing cells; a fine-tuned model's page shows its lineage
// (dataset, job, parent) and says which rows each metric was scored on; a run that did every epoch has no
// "stopped" mark; a dropped event stream's note goes once it answers again; the skip link moves the focus
// instead of routing to "#main"; every page fits a phone;
// the build in dist/ui holds uPlot and refers to nothing outside /ui/assets.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { beforeAll, describe, it, expect } from 'vitest'
import { api, CHROMIUM, finished, offOrigin, openPage, shot, withConsole } from './console-env.js'
import type { Page } from 'playwright-core'

const available = existsSync(CHROMIUM)
const why = available ? '' : ` (SKIPPED: ${CHROMIUM} is missing; install it with \`apt-get install -y chromium\`)`
const IRIS = readFileSync(new URL('../fixtures/iris.csv', import.meta.url), 'utf8')
const PHONE = { width: 390, height: 844 }

/** The little of the DOM the page functions below read (test/ is compiled without the DOM library). */
interface PageDocument { querySelector (selector: string): { getAttribute (name: string): string | null } | null, activeElement: { id: string } | null }

// run in the page by waitForFunction, so each stands alone (it is sent as source); functions, not strings:
// the console's CSP forbids eval, which polling a string needs
/** Whether the first chart holds more than `n` epochs. */
const pointsAbove = (n: number): boolean =>
  Number((globalThis as unknown as { document: PageDocument }).document.querySelector('.chart')?.getAttribute('data-points')) > n
/** Whether the element with this id has the focus. */
const focusedId = (id: string): boolean => (globalThis as unknown as { document: PageDocument }).document.activeElement?.id === id


/**
 * The first chart's first mark label is drawn where it was placed: ink in both halves of its box, whose
 * white ground hides what lies under it. Ending at its place (uPlot had left the canvas's text alignment
 * at 'right'), or centred on it, the text leaves the box blank, or its second half; it was cut off at the
 * chart's left edge.
 */
async function expectLabelDrawnInItsBox (page: Page): Promise<void> {
  const labels = JSON.parse((await page.locator('.chart').first().getAttribute('data-mark-labels')) ?? '[]') as Array<{ left: number, right: number }>
  expect(labels.length).toBeGreaterThan(0)
  // (the tests' TypeScript has no DOM library: the canvas is typed by what is used of it)
  interface Canvas2d { getContext (kind: '2d'): { getImageData (x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } }
  const ink = await page.locator('.chart canvas').first().evaluate((canvas, box) => {
    const dpr = (globalThis as unknown as { devicePixelRatio: number }).devicePixelRatio
    const ctx = (canvas as unknown as Canvas2d).getContext('2d')
    const count = (from: number, to: number): number => {
      const img = ctx.getImageData(Math.round(from * dpr), 0, Math.max(1, Math.round((to - from) * dpr)), Math.round(40 * dpr)).data
      let dark = 0
      for (let i = 0; i < img.length; i += 4) if (img[i + 3] > 0 && Math.min(img[i], img[i + 1], img[i + 2]) < 140) dark++
      return dark
    }
    const middle = (box.left + box.right) / 2
    return { firstHalf: count(box.left + 2, middle), secondHalf: count(middle, box.right) }
  }, labels[0])
  expect(ink.firstHalf).toBeGreaterThan(15)
  expect(ink.secondHalf).toBeGreaterThan(15)
}

describe.skipIf(!available)(`the console's pages, read as a new user${why}`, () => {
  const on = withConsole('console-pages', {}, {})
  let irisId = ''
  let parentId = ''
  let childJobId = ''
  let childId = ''
  let unnamedId = ''

  beforeAll(async () => {
    const { base } = on.server
    irisId = (await api<{ id: string }>(base, 'POST', '/v1/datasets?target=species&name=iris', IRIS)).id
    const parentJob = (await api<{ id: string }>(base, 'POST', '/v1/training-jobs', {
      datasetId: irisId,
      network: { inputs: 4, layers: [{ units: 8, activation: 'relu' }], output: { units: 3, activation: 'softmax' } },
      training: { epochs: 30, batchSize: 16, seed: 1, optimizer: { type: 'adam', learningRate: 0.01 }, validationSplit: 0.2, earlyStopping: false },
      modelName: 'iris'
    })).id
    parentId = (await finished(base, parentJob)).modelId
    // fine-tuned from the first model: every one of its 20 epochs runs (no early stopping)
    childJobId = (await api<{ id: string }>(base, 'POST', '/v1/training-jobs', {
      datasetId: irisId,
      initialModelId: parentId,
      training: { epochs: 20, batchSize: 16, seed: 2, optimizer: { type: 'adam', learningRate: 0.005 }, validationSplit: 0.2, earlyStopping: false },
      modelName: 'iris'
    })).id
    const child = await finished(base, childJobId)
    expect(child.stopReason).toBe('completed') // what the mark test below is about
    childId = child.modelId
    // an import without a name: stored under its id
    const { name: _name, ...exported } = await api<Record<string, unknown>>(base, 'GET', `/v1/models/${childId}/export`)
    unnamedId = (await api<{ id: string }>(base, 'POST', '/v1/models', exported)).id
  }, 120_000)

  it('builds into dist/ui with uPlot bundled and nothing loaded from elsewhere (no CDN)', () => {
    const dist = new URL('../../dist/ui/', import.meta.url)
    const html = readFileSync(new URL('index.html', dist), 'utf8')
    const refs = [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1])
    expect(refs.filter((r) => r.startsWith('/ui/assets/')).length).toBe(2) // the script and the stylesheet
    expect(refs.filter((r) => !r.startsWith('/ui/assets/') && !r.startsWith('#') && r !== 'data:,')).toEqual([])
    const assets = readdirSync(new URL('assets/', dist))
    const text = (ext: string): string => assets.filter((f) => f.endsWith(ext)).map((f) => readFileSync(new URL(`assets/${f}`, dist), 'utf8')).join('\n')
    const [js, css] = [text('.js'), text('.css')]
    expect(js).toContain('u-legend') // uPlot's own code, inside the bundle
    expect(css).toContain('.uplot') // and its stylesheet
    expect(`${js}\n${css}`.match(/https?:\/\/[^\s"'`)]*/g) ?? []).toEqual([])
  })

  it('shows a dataset\'s columns: kind, statistics, categories and missing cells', async () => {
    const { base } = on.server
    const csv = 'size,color,bought\n1.5,red,yes\n,blue,no\n2.5,,no\n3,green,yes\n4,red,yes\n'
    const shop = (await api<{ id: string }>(base, 'POST', '/v1/datasets?target=bought&name=shop&missing=median', csv)).id
    const { page, requests, errors } = await openPage(on.browser)
    await page.goto(`${base}/ui/#/datasets/${encodeURIComponent(shop)}`)
    await page.getByRole('heading', { name: 'shop' }).waitFor()
    const table = page.getByRole('table', { name: 'Columns' })
    expect(await table.locator('thead th').allInnerTexts()).toEqual(['Column', 'Role', 'Kind', 'Mean', 'Std', 'Min', 'Max', 'Categories', 'Missing'])
    const row = async (name: string): Promise<string[]> => await table.locator('tbody tr', { has: page.getByRole('cell', { name, exact: true }) }).locator('td').allInnerTexts()
    // size: 1.5, 2.5, 3, 4 and one hole: mean 2.75 over the four present, min 1.5, max 4, one missing
    expect(await row('size')).toEqual(['size', 'feature', 'numeric', '2.75', '0.9014', '1.5', '4', '—', '1'])
    expect(await row('color')).toEqual(['color', 'feature', 'categorical', '—', '—', '—', '—', 'blue, green, red', '1'])
    expect((await row('bought=yes')).slice(0, 4)).toEqual(['bought=yes', 'target', 'one-hot class', '0.6'])
    await shot(page, 'dataset-columns')
    expect(offOrigin(requests, base)).toEqual([])
    expect(errors).toEqual([])
  })

  it('shows a fine-tuned model\'s lineage (dataset, job, parent) and which rows each metric was scored on', async () => {
    const { base } = on.server
    const { page, requests, errors } = await openPage(on.browser)
    await page.goto(`${base}/ui/#/models/${encodeURIComponent(childId)}`)
    await page.getByRole('heading', { name: 'iris v2' }).waitFor()
    const lineage = page.getByRole('definition')
    const link = async (text: string): Promise<string | null> => await lineage.getByRole('link', { name: text, exact: true }).getAttribute('href')
    // the dataset by its name, with its short id beside it
    expect(await link('iris')).toBe(`#/datasets/${irisId}`)
    expect(await lineage.filter({ has: page.locator('a.dataset-link') }).innerText()).toBe(`iris · ${irisId.slice(0, 11)}`)
    expect(await link(childJobId)).toBe(`#/jobs/${childJobId}`)
    expect(await link(parentId)).toBe(`#/models/${parentId}`)
    const metrics = await page.getByRole('table', { name: 'Metrics' }).locator('tbody tr').allInnerTexts()
    const scored = Object.fromEntries(metrics.map((r) => r.split('\t')).map(([k, , on]) => [k, on]))
    expect(scored).toEqual({ 'epochs run': '—', loss: 'training rows', accuracy: 'training rows', valLoss: 'held-out validation rows', valAccuracy: 'held-out validation rows' })
    await shot(page, 'model-lineage')
    // the parent link leads to the parent, v1, whose page has no parent
    await lineage.getByRole('link', { name: parentId, exact: true }).click()
    await page.getByRole('heading', { name: 'iris v1' }).waitFor()
    const lineageOf = async (term: string): Promise<string> => await page.locator(`dl[aria-label="Lineage"] dt:text-is("${term}") + dd`).innerText()
    expect(await lineageOf('Fine-tuned from')).toBe('—')
    expect(await lineageOf('Rows')).toBe('120 trained on, 30 held out for validation')
    expect(offOrigin(requests, base)).toEqual([])
    expect(errors).toEqual([])
  })

  it('marks the best epoch of a run that did every epoch, and no stop: "stopped" is for runs that stopped', async () => {
    const { base } = on.server
    const { page, errors } = await openPage(on.browser)
    await page.goto(`${base}/ui/#/jobs/${childJobId}`)
    await page.locator('.chart[data-points="20"]').first().waitFor()
    const marks = await page.locator('.marks').first().innerText()
    expect(marks).toMatch(/^best at epoch \d+$/)
    await expectLabelDrawnInItsBox(page)
    expect(errors).toEqual([])
  })

  it('clears the "event stream interrupted; reconnecting" note once the stream answers again, while the curve keeps growing', async () => {
    const { base } = on.server
    const jobId = (await api<{ id: string }>(base, 'POST', '/v1/training-jobs', {
      datasetId: irisId,
      network: { inputs: 4, layers: [{ units: 8, activation: 'relu' }], output: { units: 3, activation: 'softmax' } },
      training: { epochs: 100_000, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.01 }, earlyStopping: false }
    })).id
    const { page, requests, errors } = await openPage(on.browser)
    try {
      // the first connect to the job's event stream fails as a dropped network would; the retry goes through
      let connects = 0
      await page.route('**/events', async (route) => { if (connects++ === 0) await route.abort('internetdisconnected'); else await route.continue() })
      await page.goto(`${base}/ui/#/jobs/${jobId}`)
      const interrupted = page.locator('.note.error', { hasText: 'the event stream was interrupted' })
      await interrupted.waitFor()
      await page.locator('.chart[data-points]:not([data-points="0"])').first().waitFor({ timeout: 60_000 })
      await interrupted.waitFor({ state: 'detached' })
      const points = Number(await page.locator('.chart').first().getAttribute('data-points'))
      await page.waitForFunction(pointsAbove, points) // still growing
      // a live chart redrawn point after point: its "best so far" label too is drawn in its box
      await expectLabelDrawnInItsBox(page)
      expect(connects).toBe(2)
    } finally {
      // a 100,000-epoch job left running would hold the worker past the test
      await api(base, 'POST', `/v1/training-jobs/${jobId}/cancel`)
    }
    await page.locator('#job-state .badge', { hasText: 'cancelled' }).waitFor({ timeout: 30_000 })
    expect(offOrigin(requests, base)).toEqual([])
    expect(errors).toEqual([])
  })

  it('skips to the content by keyboard: the skip link moves the focus and leaves the page where it was', async () => {
    const { base } = on.server
    const { page, errors } = await openPage(on.browser)
    await page.goto(`${base}/ui/#/models`)
    await page.getByRole('heading', { name: 'Models' }).waitFor()
    // the versions arrive after the heading (a fetch); the Tabs below walk through them
    await page.getByRole('link', { name: 'v2', exact: true }).first().waitFor()
    await page.keyboard.press('Tab')
    expect(await page.locator(':focus').innerText()).toBe('Skip to content')
    await page.keyboard.press('Enter')
    await page.waitForFunction(focusedId, 'main')
    expect(page.url()).toBe(`${base}/ui/#/models`)
    expect(await page.locator('h1').innerText()).toBe('Models')
    await page.keyboard.press('Tab') // on into the page: its first link, the newest version (v2)
    expect(await page.locator(':focus').innerText()).toBe('v2')
    expect(errors).toEqual([])
  })

  it('fits every page on a phone-sized screen (390 px): nothing wider than the screen', async () => {
    const { base } = on.server
    const { page, requests, errors } = await openPage(on.browser, PHONE)
    const pages: Array<[string, string, string]> = [
      ['datasets', '#/datasets', 'h1'],
      ['dataset', `#/datasets/${irisId}`, 'table'],
      ['job-form', '#/jobs/new', '#job-shape'],
      ['jobs', '#/jobs', 'tbody tr'],
      ['job', `#/jobs/${childJobId}`, '.chart[data-points="20"]'],
      ['compare', `#/compare?ids=${childJobId}`, '.chart[data-points="20"]'],
      ['models', '#/models', '.versions li'],
      ['sweeps', '#/sweeps', 'h1'],
      ['model', `#/models/${childId}`, '#confusion-matrix']
    ]
    const wide: string[] = []
    for (const [name, hash, ready] of pages) {
      await page.goto(`${base}/ui/${hash}`)
      await page.locator(ready).first().waitFor()
      const width = await page.evaluate('document.documentElement.scrollWidth') as number
      if (width > PHONE.width) wide.push(`${name}: ${width} px`)
      await shot(page, `phone-${name}`)
    }
    expect(wide).toEqual([])
    // a model without a name is listed by its id in one card of its own, not a card headed by its id
    await page.goto(`${base}/ui/#/models`)
    const unnamed = page.getByRole('region', { name: 'Unnamed models' })
    // the list arrives after the page (a fetch): allInnerTexts does not wait for it, so poll until it is drawn
    await expect.poll(async () => await unnamed.getByRole('link').allInnerTexts()).toEqual([unnamedId])
    await expect.poll(async () => await page.getByRole('region', { name: 'Model iris' }).getByRole('link').allInnerTexts()).toEqual(['v2', 'v1'])
    expect(await page.getByRole('region', { name: `Model ${unnamedId}` }).count()).toBe(0)
    await page.goto(`${base}/ui/#/models/${childId}`)
    await page.locator('#confusion-matrix').waitFor()
    // the model page was left last: its confusion matrix scrolls sideways, but its title is read whole
    const title = page.getByRole('table', { name: 'Confusion matrix: rows are the true class, columns the predicted class' })
    expect(await title.count()).toBe(1)
    const box = (await page.locator('#confusion-matrix-title').boundingBox())!
    expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width)
    expect(offOrigin(requests, base)).toEqual([])
    expect(errors).toEqual([])
  })

  // last: its model is the newest, which the skip-link test above reads as iris's v2
  it('evaluates a multi-label model per label: its scores, ROC AUC and counts, then the four averages', async () => {
    const { base } = on.server
    // up = σ(x), down = σ(−x): up is wrong at x = 0.5 and −0.5, down right everywhere (test/api/evaluate.test.ts counts it)
    const model = await api<{ id: string }>(base, 'POST', '/v1/models', {
      format: 'backprop.model', version: 1, network: { inputs: 1, layers: [], output: { units: 2, activation: 'sigmoid' } },
      layers: [{ W: [[1], [-1]], b: [0, 0] }], featureNames: ['x'], targetNames: ['up', 'down'], name: 'updown'
    })
    await api(base, 'POST', '/v1/datasets', {
      name: 'updown-data',
      features: [[-2], [-1], [0.5], [1], [2], [-0.5]], targets: [[0, 1], [0, 1], [0, 0], [1, 0], [1, 0], [1, 1]], featureNames: ['x'], targetNames: ['up', 'down']
    })
    // the same feature column with one numeric target: listed, but not to be picked (evaluate would answer 422)
    await api(base, 'POST', '/v1/datasets', { name: 'one-target', features: [[1], [2]], targets: [0.5, 1.5], featureNames: ['x'] })
    const { page, requests, errors } = await openPage(on.browser)
    await page.goto(`${base}/ui/#/models/${encodeURIComponent(model.id)}`)
    const unfit = page.locator('#evaluate-dataset option', { hasText: 'one-target' })
    expect([await unfit.isDisabled(), await unfit.getAttribute('title')]).toEqual([true, 'Does not fit: 1 target column; the model has 2 labels'])
    // its targets are labels, not classes, and not regression either
    expect(await page.getByRole('definition').filter({ hasText: /^none \(/ }).innerText()).toBe('none (multi-label: each target a label of its own)')
    await page.getByRole('button', { name: 'Evaluate' }).click()
    const table = page.getByRole('table', { name: 'Per-label scores' })
    await table.waitFor()
    expect(await page.locator('#evaluation p').first().innerText()).toMatch(/^6 rows · every label right \(subset accuracy\) 66\.7 ?% · labels wrong \(Hamming loss\) 16\.7 ?% · ROC AUC 0\.944$/)
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => (c as unknown as { innerText: string }).innerText)))
    expect(rows.map((r) => r[0])).toEqual(['up', 'down', 'micro avg', 'macro avg', 'weighted avg', 'samples avg'])
    expect(rows[0].slice(4)).toEqual(['3', '0.889', '2 · 1 · 1 · 2'])
    expect(rows[1].slice(1)).toEqual(['1', '1', '1', '3', '1', '3 · 0 · 0 · 3'])
    await shot(page, 'evaluation-multi-label')
    expect(offOrigin(requests, base)).toEqual([])
    expect(errors).toEqual([])
  })
})
