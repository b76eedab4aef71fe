/**
 * POST /v1/models/{ref}/backprop: a few rows in, the lecture's quantities out (nn/inspect.ts).
 */
import { z } from 'zod'
import './messages.js'
import { MAX_INSPECT_ROWS } from '../nn/inspect.js'

const Cell = z.union([z.number(), z.string().max(200), z.null()])
const Target = z.union([z.number(), z.string().max(200), z.array(z.number()).min(1).max(100_000)])

export const BackpropRequest = z.object({
  inputs: z.array(z.array(Cell)).min(1).max(MAX_INSPECT_ROWS).optional()
    .describe(`Raw feature rows, at most ${MAX_INSPECT_ROWS}, read exactly as POST /v1/models/{ref}/predict reads them (numbers, category strings, null)`),
  instances: z.array(z.union([z.record(z.string(), Cell), z.array(Cell)])).min(1).max(MAX_INSPECT_ROWS).optional()
    .describe('Or the rows as records keyed by feature name (or arrays like inputs), as predict\'s instances'),
  targets: z.array(Target).min(1).max(MAX_INSPECT_ROWS)
    .describe('One per row: a class label of the model (softmax, or a sigmoid unit of two classes), or the class index; ' +
      'for regression the value (one output) or the row of values, in the target\'s units; for several sigmoid units, a row of 0/1'),
  mode: z.enum(['train', 'eval', 'inference']).default('inference')
    .describe('PyTorch\'s module modes. train: dropout active (its mask that of epoch 0 of a run with seed 0, by row position), batch norm on the rows\' own ' +
      'statistics (so at least 2 rows); eval, or its synonym inference: dropout off, batch norm on its running statistics')
}).strict().superRefine((body, ctx) => {
  if ((body.inputs === undefined) === (body.instances === undefined)) {
    ctx.addIssue({ code: 'custom', path: [], message: 'send exactly one of inputs (rows) or instances (records keyed by feature name)' })
  }
}).meta({ id: 'BackpropRequest' })

export type BackpropRequestBody = z.output<typeof BackpropRequest>

const Matrix = z.array(z.array(z.number()))

export const LayerTraceSchema = z.object({
  name: z.string().describe('layers.i or output: the prefix of the layer\'s parameter names in the export'),
  z: Matrix.describe('rows × the Linear\'s outputs (maxout: units·pieces): z = a_prev·Wᵀ + b'),
  a: Matrix.describe('rows × units: the layer\'s outputs, after norm, activation, dropout and the residual sum (the output layer: the head\'s probabilities or values, normalised units)'),
  delta: Matrix.describe('rows × the Linear\'s outputs: δ = ∂J_r/∂z, each row\'s own loss (the output layer\'s δ is a − y)'),
  gradients: z.record(z.string(), z.union([z.array(z.number()), Matrix]))
    .describe('∂J/∂θ of every parameter of the layer, averaged over the rows, plus λθ on weights; under its export name and shape (weight [out, in])')
}).meta({ id: 'LayerTrace' })

export const BackpropResponse = z.object({
  modelId: z.string(),
  mode: z.enum(['train', 'eval', 'inference']).describe('As sent'),
  rows: z.number().int(),
  loss: z.number().describe('The mean loss of the rows plus the L2 penalty λ/2·‖W‖², the loss training minimises'),
  layers: z.array(LayerTraceSchema).describe('Hidden layers, input side first, then the output layer')
}).meta({ id: 'BackpropResponse' })
