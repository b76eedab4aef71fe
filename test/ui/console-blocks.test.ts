// The console's job form in the block vocabulary and the model page's drawing of the blocks, in a real
// browser (chromium via playwright-core) against a real API and a real worker process: a network with
// batch norm and dropout, maxout with 3 pieces after layer norm with a residual projection, and an
// identity-shortcut residual is built row by row, not sent while a field is invalid, sent as the API's
// layers, trained, and drawn with each part's parameter count, adding up to the server's parameterCount.
import { existsSync, readFileSync } from 'node:fs'
import { describe, it, expect } from 'vitest'
import { CHROMIUM, offOrigin, openPage, shot, withConsole } from './console-env.js'

const available = existsSync(CHROMIUM)
const why = available ? '' : ` (SKIPPED: ${CHROMIUM} is missing; install it with \`apt-get install -y chromium\`)`
const IRIS = readFileSync(new URL('../fixtures/iris.csv', import.meta.url), 'utf8')
const DIGITS = readFileSync(new URL('../fixtures/digits.csv', import.meta.url), 'utf8')


describe.skipIf(!available)(`the console's network blocks${why}`, () => {
  const on = withConsole('console-blocks', {}, {})

  it('builds a network of blocks in the job form, trains it, and draws each block with its parameter counts', async () => {
    const { base } = on.server
    const { page, requests, errors } = await openPage(on.browser)
    const upload = await fetch(`${base}/v1/datasets?target=species&name=iris`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: IRIS })
    const datasetId = (await upload.json() as { id: string }).id

    await page.goto(`${base}/ui/#/jobs/new?dataset=${encodeURIComponent(datasetId)}`)
    await page.getByRole('heading', { name: 'New training job' }).waitFor()
    // the first row is the default 16 relu; make it 12 relu with batch norm and dropout 0.1
    await page.fill('#layer-0-units', '12')
    await page.selectOption('#layer-0-norm', 'batch')
    await page.fill('#layer-0-dropout', '0.1')
    // a maxout row: its pieces appear only with maxout
    await page.getByRole('button', { name: 'Add hidden layer' }).click()
    expect(await page.locator('#layer-1 .pieces').isHidden()).toBe(true)
    await page.fill('#layer-1-units', '8')
    await page.selectOption('#layer-1-activation', 'maxout')
    expect(await page.locator('#layer-1 .pieces').isVisible()).toBe(true)
    await page.fill('#layer-1-pieces', '1')
    await page.selectOption('#layer-1-norm', 'layer')
    await page.check('#layer-1-residual')
    // a third row with an identity shortcut, and a fourth removed again
    await page.getByRole('button', { name: 'Add hidden layer' }).click()
    await page.selectOption('#layer-2-activation', 'tanh')
    await page.check('#layer-2-residual')
    await page.getByRole('button', { name: 'Add hidden layer' }).click()
    expect(await page.locator('.layer-row').count()).toBe(4)
    await page.locator('#layer-3').getByRole('button', { name: 'Remove this layer' }).click()
    expect(await page.locator('.layer-row .row-title').allInnerTexts()).toEqual(['Layer 1', 'Layer 2', 'Layer 3'])

    // maxout with 1 piece: the form is not sent (the field is invalid, and the browser says so at it)
    await page.fill('#job-epochs', '30')
    await page.fill('#job-batch', '16')
    await page.getByRole('button', { name: 'Start training' }).click()
    expect(await page.locator('#layer-1-pieces:invalid').count()).toBe(1)
    expect(requests.filter((url) => url.endsWith('/v1/training-jobs'))).toEqual([])
    expect(page.url()).toContain('#/jobs/new')
    await page.fill('#layer-1-pieces', '3')
    // linear 12·4+12 + BatchNorm 4·12 | linear 24·12+24 + LayerNorm 2·24 + projection 8·12 | 8·8+8 | output 3·8+3
    expect(await page.locator('#job-shape').innerText())
      .toBe('Network: 4 inputs → 12 relu · batch norm · dropout 0.1 → 8 maxout ×3 · layer norm · residual → 8 tanh · residual → 3 softmax (output follows the dataset, 639 parameters)')
    await shot(page, 'job-form-blocks')

    const [sent] = await Promise.all([
      page.waitForRequest((r) => r.url().endsWith('/v1/training-jobs') && r.method() === 'POST'),
      page.getByRole('button', { name: 'Start training' }).click()
    ])
    expect((sent.postDataJSON() as { network: { layers: unknown[] } }).network.layers).toEqual([
      { units: 12, activation: 'relu', norm: 'batch', dropout: 0.1 },
      { units: 8, activation: 'maxout', pieces: 3, norm: 'layer', residual: true },
      { units: 8, activation: 'tanh', residual: true }
    ])
    await page.getByRole('heading', { name: /Training job/ }).waitFor()
    await page.locator('#job-state .badge', { hasText: 'succeeded' }).waitFor({ timeout: 120_000 })
    // the job says what it trained, and with which options, as the server admitted them (defaults filled in)
    expect(await page.locator('#job-network').innerText())
      .toBe('4 inputs → 12 relu · batch norm · dropout 0.1 → 8 maxout ×3 · layer norm · residual → 8 tanh · residual → 3 softmax')
    expect(await page.locator('#job-options').innerText()).toMatch(/^adam, learning rate [\d.]+, batch 16, 30 epochs, .* held out, .*, standard scaling$/)
    // a 16-row minibatch is one shard: one thread, whatever the pool
    expect(await page.locator('#job-threads').innerText()).toBe('1 (engine threads of the worker\'s pool this run trains on)')
    await page.locator('#job-model').click()
    await page.locator('.network').waitFor()

    const modelId = decodeURIComponent(/#\/models\/(.+)$/.exec(page.url())![1])
    const model = await (await fetch(`${base}/v1/models/${encodeURIComponent(modelId)}`)).json() as { parameterCount: number }
    expect(model.parameterCount).toBe(639) // learned parameters; batch norm's running mean and variance (24) are buffers
    const perBlock = await page.locator('.network .layer[data-parameters]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-parameters'))))
    expect(perBlock).toEqual([84, 456, 72, 27])
    expect(perBlock.reduce((a, b) => a + b, 0)).toBe(model.parameterCount)
    const parts = await page.locator('.network .layer').evaluateAll((els) => els.map((e) => [...e.querySelectorAll('.part')].map((p) => p.textContent)))
    expect(parts).toEqual([
      [],
      ['Linear W 12×4, b 12 · 60', 'BatchNorm1d γ 12, β 12 (running mean and variance 12: buffers) · 24', 'relu', 'Dropout p = 0.1'],
      ['Linear W 24×12, b 24 (3 weight vectors per unit) · 312', 'LayerNorm γ 24, β 24 · 48', 'maxout: the largest of 3 pieces per unit', '+ input through projection P 8×12 · 96'],
      ['Linear W 8×8, b 8 · 72', 'tanh', '+ input (identity shortcut)'],
      ['Linear W 3×8, b 3 · 27', 'softmax']
    ])
    expect(await page.locator('.network figcaption').innerText()).toBe('Network: 639 parameters')
    await shot(page, 'model-blocks')
    expect(offOrigin(requests, base)).toEqual([])
    expect(errors).toEqual([])
  })

  it('offers the output head: digits stored as numbers 0-9 default to a softmax over the ten values, and regression stays a choice', async () => {
    const { base } = on.server
    const { page, errors } = await openPage(on.browser)
    const header = DIGITS.split(/\r?\n/, 1)[0].split(',')
    const upload = await fetch(`${base}/v1/datasets?target=${header[header.length - 1]}&name=digits`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: DIGITS })
    const datasetId = (await upload.json() as { id: string }).id
    await page.goto(`${base}/ui/#/jobs/new?dataset=${encodeURIComponent(datasetId)}`)
    await page.getByRole('heading', { name: 'New training job' }).waitFor()
    expect(await page.locator('#job-head option').allInnerTexts()).toEqual([
      'softmax: the 10 values (0, 1, 2, …, 9) as classes', `identity: regression on ${header[header.length - 1]}`])
    expect(await page.locator('#job-shape').innerText()).toContain('→ 10 softmax')
    await page.selectOption('#job-head', 'identity')
    expect(await page.locator('#job-shape').innerText()).toContain('→ 1 identity')
    await page.selectOption('#job-head', 'softmax')
    await page.fill('#job-epochs', '1')
    const [sent] = await Promise.all([
      page.waitForRequest((r) => r.url().endsWith('/v1/training-jobs') && r.method() === 'POST'),
      page.getByRole('button', { name: 'Start training' }).click()
    ])
    expect((sent.postDataJSON() as { network: { output: unknown } }).network.output).toEqual({ units: 10, activation: 'softmax' })
    await page.getByRole('heading', { name: /Training job/ }).waitFor()
    expect(errors).toEqual([])
  })
})
