/**
 * POST /v1/models/{ref}/backprop: one forward and backward pass over a few rows, for teaching and
 * debugging. The rows are read as predict reads them (imputation, one-hot encoding, normalisation);
 * the targets are encoded as training encodes them (one-hot classes, normalised regression values).
 * The pass and its quantities are nn/inspect.ts's.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { UNPROCESSABLE, VALIDATION, withProblem } from '../../errors.js'
import { ModelRefParams, problems } from '../../schemas/common.js'
import { BackpropRequest, BackpropResponse } from '../../schemas/backprop.js'
import { createNetwork } from '../../nn/network.js'
import { inspectBackprop, type BackpropTrace } from '../../nn/inspect.js'
import type { JsonTensor } from '../../nn/serialize.js'
import { inputPipelineOf } from '../../inference/model-inference.js'
import type { StoredModel } from '../../store/models.js'
import { codesOf } from '../prediction-input.js'
import { withModelRef } from '../model-ref.js'

type Target = number | string | number[]

const bad = (field: string, message: string, row: number): Error => withProblem(new VALIDATION(`${field}: ${message}`), { field, row })

/** The targets as the head's rows (rows × K), in the units training uses. */
function encodeTargets (model: StoredModel, targets: readonly Target[]): Float32Array {
  const { spec, meta } = model
  const K = spec.output.units, head = spec.output.activation
  const classes = meta.classes
  const y = new Float32Array(targets.length * K)
  targets.forEach((t, r) => {
    const field = `targets[${r}]`
    const row = (v: number[]): void => {
      if (v.length !== K) throw bad(field, `expected ${K} values (the model has ${K} outputs), got ${v.length}`, r)
      v.forEach((x, k) => { if (!Number.isFinite(Math.fround(x))) throw bad(`${field}[${k}]`, 'expected a finite number', r) })
      const norm = head === 'identity' ? meta.targetNormalization : undefined
      for (let k = 0; k < K; k++) y[r * K + k] = norm ? (v[k] - norm.offset[k]) / norm.scale[k] : v[k]
    }
    if (Array.isArray(t)) return row(t)
    if (head === 'identity') {
      if (typeof t !== 'number') throw bad(field, 'a regression target is a number (or a row of numbers)', r)
      return row([t])
    }
    // a class: its label, or its index
    const n = head === 'softmax' ? K : 2
    const k = typeof t === 'string' ? (classes?.indexOf(t) ?? -1) : t
    if (!(Number.isInteger(k) && k >= 0 && k < n)) {
      const known = classes ? `one of ${classes.map((c) => JSON.stringify(c)).join(', ')}` : `a class index 0 to ${n - 1}`
      throw bad(field, `expected ${known}, got ${JSON.stringify(t)}`, r)
    }
    if (head === 'softmax') y[r * K + k] = 1
    else if (K === 1) y[r] = k
    else throw bad(field, `the model has ${K} sigmoid units: send a row of ${K} values 0 or 1`, r)
  })
  return y
}

/** The first value of a row or a tensor (rows of numbers) that is not finite, or undefined. */
function firstNonFinite (v: JsonTensor): number | undefined {
  for (const w of v) {
    const bad = typeof w === 'number' ? (Number.isFinite(w) ? undefined : w) : firstNonFinite(w)
    if (bad !== undefined) return bad
  }
  return undefined
}

/**
 * A row far outside the data the model was trained on can overflow float32 on its way through; JSON has
 * no Infinity or NaN, so the trace is refused (422 naming the layer, quantity and row), as predict refuses
 * such an output, instead of failing to serialise.
 */
function checkFinite (trace: BackpropTrace): void {
  const far = 'that row is far outside the data the model was trained on (or the model is broken); check the row\'s units'
  for (const layer of trace.layers) {
    for (const quantity of ['z', 'a', 'delta'] as const) {
      const rows = layer[quantity]
      for (let r = 0; r < rows.length; r++) {
        const bad = firstNonFinite(rows[r])
        if (bad !== undefined) throw withProblem(new UNPROCESSABLE(`${layer.name}'s ${quantity} for row ${r} is ${bad}: ${far}`), { row: r })
      }
    }
  }
  const gradient = trace.layers.flatMap((l) => Object.entries(l.gradients)).find(([, g]) => firstNonFinite(g) !== undefined)
  if (!Number.isFinite(trace.loss) || gradient !== undefined) {
    throw new UNPROCESSABLE(`the ${gradient ? `gradient of ${gradient[0]}` : 'loss'} is not finite: a row is far outside the data the model was trained on (or the model is broken)`)
  }
}

const backprop: FastifyPluginAsyncZod = async (fastify) => {
  fastify.post('/models/:id/backprop', {
    schema: {
      tags: ['models'],
      summary: 'Backprop you can inspect: the loss and, per layer, z, a, δ and every parameter\'s gradient for a few rows',
      description: 'One forward and backward pass of the stored model over the rows (at most 32): per layer the Linear\'s outputs z, the layer\'s ' +
        'outputs a, δ = ∂J/∂z per row, and ∂J/∂θ of every parameter averaged over the rows with the L2 term, under the export\'s names and shapes. ' +
        'One full-batch SGD step with learning rate 1 on these rows would subtract exactly these gradients from the exported weights.',
      params: ModelRefParams,
      body: BackpropRequest,
      response: { 200: BackpropResponse, ...problems(400, 404, 422) }
    }
  }, async (request) => {
    const { inputs, instances, targets, mode } = request.body
    // rows (inputs) or records (instances), as predict reads them
    const [rows, key] = instances !== undefined ? [instances, 'instances' as const] : [inputs!, 'inputs' as const]
    if (targets.length !== rows.length) throw bad('targets', `expected one target per row of ${key} (${rows.length}), got ${targets.length}`, 0)
    const model = await withModelRef(fastify.models, request.params.id, request.tenant, (id) => fastify.models.getWeights(id, request.tenant))
    const { spec, meta, params } = model
    const pipeline = inputPipelineOf(spec, meta)
    const { rows: codes } = codesOf(pipeline, rows, key, 'error')
    const x = new Float32Array(rows.length * spec.inputs)
    codes.forEach((c, r) => pipeline.rowInto(c, x, r))
    const y = encodeTargets(model, targets)
    const trace = inspectBackprop(createNetwork(spec, { params }), x, y, rows.length, { mode })
    checkFinite(trace)
    return { modelId: meta.id, mode, rows: rows.length, ...trace }
  })
}

export default backprop
