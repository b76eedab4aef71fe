import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import { createForwardThreads, type ForwardThreads } from '../../src/api/forward-thread/forward-threads.js'
import { createModelsOnThread } from '../../src/api/forward-thread/models-on-thread.js'
import { createNetwork, predict } from '../../src/nn/network.js'
import { parameterCount, type NetworkSpec } from '../../src/nn/spec.js'
import type { Normalization } from '../../src/data/normalize.js'
import { buildTestApp, type TestApp } from './helper.js'

const spec: NetworkSpec = { inputs: 40, layers: [{ units: 64, activation: 'relu' }, { units: 32, activation: 'tanh' }], output: { units: 5, activation: 'softmax' } }
const weights = (s: NetworkSpec, phase: number): Float32Array<ArrayBuffer> =>
  Float32Array.from({ length: parameterCount(s) }, (_, i) => Math.fround(0.3 * Math.sin(i * 1.3 + phase)))
const none = (n: number): Normalization => ({ kind: 'none', offset: new Array<number>(n).fill(0), scale: new Array<number>(n).fill(1) })
const rowsOf = (n: number, width: number, phase = 0): number[][] =>
  Array.from({ length: n }, (_, r) => Array.from({ length: width }, (_, c) => Math.fround(Math.cos(r * 0.7 + c * 0.11 + phase))))

describe('forward threads', () => {
  let threads: ForwardThreads
  beforeAll(() => { threads = createForwardThreads(2, 'auto') })
  afterAll(async () => { await threads.close() })

  it('give the outputs a forward pass here gives, bit for bit, for every batch size and on both threads', async () => {
    const params = weights(spec, 0.4)
    const here = createModelsOnThread('auto')
    here.load('m', spec, params, none(spec.inputs))
    for (const rows of [1, 3, 8, 64]) {
      const x = Float32Array.from(rowsOf(rows, spec.inputs, rows).flat())
      const want = here.run('m', x, rows)
      // concurrent runs: both threads get work, and each is sent the model before its first run
      const got = await Promise.all([threads.run({ id: 'm', spec, params, norm: none(spec.inputs) }, x.slice(), rows), threads.run({ id: 'm', spec, params, norm: none(spec.inputs) }, x.slice(), rows)])
      for (const out of got) expect(Array.from(out)).toEqual(Array.from(want))
    }
    // the reference kernels agree within float32 tolerance (wasm may fuse multiply-adds)
    const x = Float32Array.from(rowsOf(4, spec.inputs).flat())
    const reference = predict(createNetwork(spec, { params }), x, 4)
    const out = await threads.run({ id: 'm', spec, params, norm: none(spec.inputs) }, x, 4)
    out.forEach((v, i) => expect(Math.abs(v - reference[i])).toBeLessThan(1e-5))
  })

  it('answer a body the same after a larger one (the rows buffer is kept between bodies) as on a fresh thread', () => {
    const params = weights(spec, 0.4)
    const here = createModelsOnThread('auto')
    here.load('m', spec, params, none(spec.inputs))
    const body = (rows: number[][]): Uint8Array => new TextEncoder().encode(JSON.stringify({ inputs: rows }))
    // 300 rows: a full chunk of 256 and 44 more; then 3 rows, which reuse the first 3 rows of the buffer
    for (const [n, phase] of [[300, 0], [3, 1], [257, 2], [1, 3]]) {
      // four decimals: numbers the thread's own reader takes (it leaves exponents to JSON.parse)
      const rows = rowsOf(n, spec.inputs, phase).map((row) => row.map((v) => Math.round(v * 1e4) / 1e4))
      const fresh = createModelsOnThread('auto')
      fresh.load('m', spec, params, none(spec.inputs))
      const [answer, want] = [here.runBody('m', body(rows), 1000), fresh.runBody('m', body(rows), 1000)]
      expect(answer.kind).toBe('outputs')
      expect(answer.kind === 'outputs' && want.kind === 'outputs' && Array.from(answer.out)).toEqual(want.kind === 'outputs' && Array.from(want.out))
    }
  })

  it('keep models apart by id and forget a dropped one (it is sent again on its next run)', async () => {
    const a = weights(spec, 1)
    const b = weights(spec, 2)
    const x = Float32Array.from(rowsOf(2, spec.inputs).flat())
    const outA = await threads.run({ id: 'a', spec, params: a, norm: none(spec.inputs) }, x.slice(), 2)
    const outB = await threads.run({ id: 'b', spec, params: b, norm: none(spec.inputs) }, x.slice(), 2)
    expect(Array.from(outA)).not.toEqual(Array.from(outB))
    threads.drop('a')
    expect(Array.from(await threads.run({ id: 'a', spec, params: a, norm: none(spec.inputs) }, x.slice(), 2))).toEqual(Array.from(outA))
    threads.clear()
    expect(Array.from(await threads.run({ id: 'b', spec, params: b, norm: none(spec.inputs) }, x.slice(), 2))).toEqual(Array.from(outB))
  })

  it('a thread that crashes fails its waiting runs with a clear error, and the next run gets a new thread', async () => {
    const one = createForwardThreads(1, 'auto')
    try {
      // weights of the wrong length throw while the thread builds the network: an uncaught error there
      const broken = { id: 'broken', spec, params: new Float32Array(3), norm: none(spec.inputs) }
      await expect(one.run(broken, new Float32Array(spec.inputs), 1)).rejects.toThrow(/the forward thread (failed|stopped)/)
      const params = weights(spec, 5)
      const x = Float32Array.from(rowsOf(1, spec.inputs).flat())
      const want = createModelsOnThread('auto')
      want.load('ok', spec, params, none(spec.inputs))
      expect(Array.from(await one.run({ id: 'ok', spec, params, norm: none(spec.inputs) }, x.slice(), 1))).toEqual(Array.from(want.run('ok', x, 1)))
    } finally {
      await one.close()
    }
  })
})

describe('large prediction requests through the API', () => {
  // 40-1024-5: 47,109 parameters, so 400 rows are above the default threadWork (2^24 multiply-adds)
  const wide: NetworkSpec = { inputs: 40, layers: [{ units: 1024, activation: 'relu' }], output: { units: 5, activation: 'softmax' } }
  let onThread: TestApp
  let onLoop: TestApp
  beforeAll(async () => {
    onThread = await buildTestApp('forward-threads', { PREDICT_THREADS: '1' })
    onLoop = await buildTestApp('forward-loop', { PREDICT_THREADS: '0' })
  })
  afterAll(async () => { await onThread.close(); await onLoop.close() })

  it('answer the same outputs on a forward thread as on the event loop and as one row at a time', async () => {
    const params = weights(wide, 0.9)
    const inputs = rowsOf(400, wide.inputs, 3)
    expect(inputs.length * parameterCount(wide)).toBeGreaterThanOrEqual(2 ** 24)
    const answers: number[][][] = []
    for (const t of [onThread, onLoop]) {
      const saved = await t.app.models.save({ spec: wide, params, meta: {} })
      const res = await t.app.inject({ method: 'POST', url: `/v1/models/${saved.id}/predict`, payload: { inputs } })
      expect(res.statusCode, res.body).toBe(200)
      answers.push(res.json().outputs as number[][])
      expect(t.app.predictor.rows).toEqual(t === onThread ? { loop: 0, thread: 400 } : { loop: 400, thread: 0 })
      const single = await t.app.inject({ method: 'POST', url: `/v1/models/${saved.id}/predict`, payload: { inputs: [inputs[123]] } })
      // alone, a row goes through OpenBLAS's matrix-vector product, in a batch through its GEMM: equal to float32 rounding
      const alone = single.json().outputs[0] as number[]
      alone.forEach((v, i) => expect(v).toBeCloseTo(answers.at(-1)![123][i], 6))
    }
    expect(answers[0]).toEqual(answers[1])
    expect(onThread.app.predictor.rows).toEqual({ loop: 1, thread: 400 })
    const metrics = await onThread.app.inject({ method: 'GET', url: '/metrics' })
    expect(metrics.body).toContain('backprop_predicted_rows_total{where="thread"} 400')
  })

  it('read a large body (≥ 256 KiB) on the thread with the answers, and the 400s and 404s, of the event loop', async () => {
    const params = weights(wide, 1.9)
    const ids = await Promise.all([onThread, onLoop].map(async (t) => (await t.app.models.save({ spec: wide, params, meta: { name: 'wide' } })).id))
    const inputs = rowsOf(700, wide.inputs, 5)
    const body = JSON.stringify({ inputs })
    expect(body.length).toBeGreaterThan(256 * 1024)
    const cut = body.slice(0, -1)
    const cases: Array<[string, string, string]> = [
      ['canonical', 'id', body],
      ['exponents (read by JSON.parse)', 'id', JSON.stringify({ inputs }).replace(/(\d)(,|\])/g, '$1e0$2')],
      ['pretty-printed', 'id', JSON.stringify({ inputs }, null, 2)],
      ['by name@latest', 'wide@latest', body],
      ['not JSON', 'id', cut],
      ['a string among the numbers', 'id', body.replace(/\[([^[\]]*)\]\]\}$/, '["x"]]}')],
      ['a row of the wrong width', 'id', JSON.stringify({ inputs: [...inputs.slice(0, 500), inputs[500].slice(1), ...inputs.slice(501)] })],
      ['an unknown model', 'mdl_nope', body],
      ['an unknown name with a bad body', 'nope@latest', cut],
      ['an unknown name', 'nope@latest', body]
    ]
    const before = onThread.app.predictor.rows.thread
    for (const [what, ref, payload] of cases) {
      const [viaThread, viaLoop] = await Promise.all([onThread, onLoop].map(async (t, i) => {
        const url = `/v1/models/${ref === 'id' ? ids[i] : ref}/predict`
        const res = await t.app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json' } })
        const json = res.json()
        if (json.instance) json.instance = json.instance.replace(ids[i], '<id>')
        return { status: res.statusCode, json }
      }))
      expect(viaThread, what).toEqual(viaLoop)
      expect(viaThread.status, what).toBe(what.startsWith('an unknown') && !what.endsWith('bad body') ? 404 : /canonical|exponents|pretty|name@/.test(what) ? 200 : 400)
    }
    // canonical, pretty-printed and by name: read there; with exponents: read here, its forward passes there
    expect(onThread.app.predictor.rows.thread - before).toBe(4 * 700)
    expect(onThread.app.predictor.rows.loop).toBe(1)
  })
})
