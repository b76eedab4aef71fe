// The README's ONNX example, run as written: the Node snippet under "### ONNX export" loads a model exported by
// GET /v1/models/{ref}/export?format=onnx and must print what predict answers for the same rows.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import { EXPORTED, PREDICT_BODY } from '../../src/api/openapi-examples/example-data.js'
import { buildTestApp, type TestApp } from '../api/helper.js'
import { FLOAT32_TOLERANCE, maxRelativeError } from '../support/onnx-runtime.js'

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

let t: TestApp
let dir: string
beforeAll(async () => {
  t = await buildTestApp('onnx-readme')
  dir = mkdtempSync(join(tmpdir(), 'onnx-readme-'))
})
afterAll(async () => {
  await t.close()
  rmSync(dir, { recursive: true, force: true })
})

/** The ```js block of the README's ONNX section. */
function snippet (): string {
  const section = README.slice(README.indexOf('### ONNX export'))
  const m = /```js\n([\s\S]*?)```/.exec(section)
  if (!m) throw new Error('README: the ONNX section has no ```js block')
  return m[1]
}

describe('the README\'s ONNX example', () => {
  it('runs as written on an exported model and answers what predict answers, labels setosa and virginica', async () => {
    const imported = await t.app.inject({ method: 'POST', url: '/v1/models', payload: { ...EXPORTED, name: 'iris' } })
    expect(imported.statusCode).toBe(201)
    const onnx = await t.app.inject({ method: 'GET', url: '/v1/models/iris@latest/export?format=onnx' })
    expect(onnx.statusCode).toBe(200)
    writeFileSync(join(dir, 'iris.onnx'), onnx.rawPayload)

    // the snippet runs outside the repository: its bare import is pointed at this repository's onnxruntime-web
    const code = snippet().replace("from 'onnxruntime-web'", `from '${import.meta.resolve('onnxruntime-web')}'`) +
      'console.log(JSON.stringify({ probabilities: Array.from(probabilities.data), label: Array.from(label.data, Number) }))\n'
    writeFileSync(join(dir, 'example.mjs'), code)
    const run = spawnSync(process.execPath, ['example.mjs'], { cwd: dir, encoding: 'utf8', timeout: 60_000 })
    expect(run.status, run.stderr).toBe(0)
    const printed = JSON.parse(run.stdout.trim().split('\n').pop()!) as { probabilities: number[], label: number[] }

    // the snippet's rows are step 4's, which predict is asked here
    const rows = /Float32Array\.from\(\[([^\]]*)\]\)/.exec(snippet())?.[1].split(',').map(Number)
    expect(rows).toEqual(PREDICT_BODY.inputs.flat())
    const predicted = await t.app.inject({ method: 'POST', url: '/v1/models/iris@latest/predict', payload: PREDICT_BODY })
    const want = predicted.json() as { outputs: number[][], labels: string[] }
    expect(maxRelativeError(printed.probabilities, want.outputs.flat())).toBeLessThan(FLOAT32_TOLERANCE)
    expect(printed.label.map((k) => EXPORTED.classes[k])).toEqual(want.labels)
    expect(want.labels).toEqual(['setosa', 'virginica'])
  })
})
