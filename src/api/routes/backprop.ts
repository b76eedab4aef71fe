/**
 * POST /v1/models/{ref}/backprop: one forward and backward pass over a few rows, for teaching and
 * debugging. The rows are read as predict reads them (imputation, one-hot encoding, normalisation);
 * the targets are encoded as training encodes them (one-hot classes, normalised regression values).
 * The pass and its quantities are nn/inspect.ts's.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { NON_FINITE_OUTPUT, UNPROCESSABLE, VALIDATION, withProblem } from '../../errors.js'
import { ModelRefParams, problems } from '../../schemas/common.js'
import { BackpropRequest, BackpropResponse } from '../../schemas/backprop.js'
import { createNetwork } from '../../nn/network.js'
import { firstNonFiniteInTrace, inspectBackprop, type BackpropTrace } from '../../nn/inspect.js'
import { inputPipelineOf } from '../../inference/model-inference.js'
import type { StoredModel } from '../../store/models.js'
import { codesOf, INPUTS, INSTANCES } from '../prediction-input.js'
import { withModelRef } from '../../store/model-ref.js'
import { counted } from '../../nn/counted.js'
import { hasBatchNorm } from '../../nn/lockstep.js'
import { lookUpName, nameIndex } from '../../data/name-index.js'

type Target = number | string | number[]

const bad = (field: string, message: string, row: number): Error => withProblem(new VALIDATION(`${field}: ${message}`), { field, row })

/** The targets as the head's rows (rows × K), in the units training uses. */
function encodeTargets (model: StoredModel, targets: readonly Target[]): Float32Array {
  const { spec, meta } = model
  const K = spec.output.units, head = spec.output.activation
  const classes = meta.classes
  const classIndex = classes ? nameIndex(classes) : undefined
  const y = new Float32Array(targets.length * K)
  targets.forEach((t, r) => {
    const field = `targets[${r}]`
    const row = (v: number[]): void => {
      if (v.length !== K) throw bad(field, `expected ${counted(K, 'value')} (the model has ${counted(K, 'output')}), got ${v.length}`, r)
      v.forEach((x, k) => { if (!Number.isFinite(Math.fround(x))) throw bad(`${field}[${k}]`, `expected a finite number that fits a 32-bit float (at most ±3.4e38), got ${x}`, r) })
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
    // a label as written, else trimmed, as every path reads class names (data/name-index.ts)
    const k = typeof t === 'string' ? (classIndex ? lookUpName(classIndex, t) ?? -1 : -1) : t
    if (!(Number.isInteger(k) && k >= 0 && k < n)) {
      const known = classes ? `one of ${classes.map((c) => JSON.stringify(c)).join(', ')}` : `a class index 0 to ${n - 1}`
      throw bad(field, `expected ${known}, got ${JSON.stringify(t)}`, r)
    }
    if (head === 'softmax') y[r * K + k] = 1
    else if (K === 1) y[r] = k
    else throw bad(field, `the model has ${counted(K, 'sigmoid unit')}: send a row of ${counted(K, 'value')} 0 or 1`, r)
  })
  return y
}

/**
 * 422 when a number of the pass is NaN or ±∞ (rows far outside the training data, or a model that
 * overflows on them): JSON cannot carry it, and a 200 with nulls would read as a result.
 */
function checkFinite (trace: BackpropTrace): void {
  const bad = firstNonFiniteInTrace(trace)
  if (bad === null) return
  const outputLayer = `layers[${trace.layers.length - 1}].a`
  if (bad.row !== null && bad.path.startsWith(outputLayer)) throw withProblem(new NON_FINITE_OUTPUT(bad.row, String(bad.value)), { row: bad.row })
  const row = bad.row === null ? '' : ` (row ${bad.row})`
  throw withProblem(new UNPROCESSABLE(`the pass is not finite: ${bad.path} is ${bad.value}${row}; the rows are far outside the data the model was trained on (check their units), or the model overflows on them`),
    bad.row === null ? {} : { row: bad.row })
}

const backprop: FastifyPluginAsyncZod = async (fastify) => {
  fastify.post('/models/:id/backprop', {
    schema: {
      tags: ['models'],
      summary: 'Backprop you can inspect: the loss and, per layer, z, a, δ and every parameter\'s gradient for a few rows',
      description: 'One forward and backward pass of the stored model over the rows (at most 64, one training shard): per layer the Linear\'s outputs z, the layer\'s ' +
        'outputs a, δ = ∂J/∂z per row, and ∂J/∂θ of every parameter averaged over the rows with the L2 term, under the export\'s names and shapes. ' +
        'One full-batch SGD step with learning rate 1 on these rows would subtract exactly these gradients from the exported weights. ' +
        'A NaN or ±∞ anywhere in the pass (rows far outside the training data) is a 422 naming where, never a 200.',
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
    const { rows: codes } = codesOf(pipeline, rows, key === 'instances' ? INSTANCES : INPUTS, 'error')
    const x = new Float32Array(rows.length * spec.inputs)
    codes.forEach((c, r) => pipeline.rowInto(c, x, r))
    // as training refuses a one-row minibatch (minibatch-rows.ts), and PyTorch's BatchNorm1d in train mode: one row has
    // no variance, so every unit reads its β and every δ is 0, a 200 that would look like an answer
    if (mode === 'train' && rows.length < 2 && hasBatchNorm(spec)) {
      throw bad(key, 'batch normalisation in train mode needs at least 2 rows (one row has no variance and normalises to 0, as PyTorch\'s BatchNorm1d refuses); send more rows, or mode eval', 0)
    }
    const y = encodeTargets(model, targets)
    const trace = inspectBackprop(createNetwork(spec, { params }), x, y, rows.length, { mode })
    checkFinite(trace)
    return { modelId: meta.id, mode, rows: rows.length, ...trace }
  })
}

export default backprop
