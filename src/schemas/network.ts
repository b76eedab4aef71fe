/**
 * The network definition as the API accepts it (built from the nn name tuples, so a new activation
 * is one edit in nn/spec.ts) and the summary the API returns. Bounds are sanity limits; the
 * configured MAX_PARAMETERS is checked by the route.
 */
import { z } from 'zod'
import './messages.js'
import { HEADS, HIDDEN_ACTIVATIONS, INITIALIZERS, NORMS, type NetworkSpec } from '../nn/spec.js'
import { NewName, Timestamp } from './common.js'

const Units = z.number().int().min(1).max(100_000)
const Init = z.enum(INITIALIZERS).describe('Weight initialiser; default he_uniform for relu-family layers, glorot_uniform otherwise')
const BiasInit = z.number().min(-1000).max(1000).describe('Constant initial bias; default 0.01 for relu-family layers, 0 otherwise')

export const LayerSpecSchema = z.object({
  units: Units,
  activation: z.enum(HIDDEN_ACTIVATIONS).describe('step is for inference only: it cannot be trained. maxout (Goodfellow et al. 2013): ' +
    'each unit is the largest of `pieces` linear pieces (k weight vectors and biases per unit)'),
  alpha: z.number().min(0).max(1).optional().describe('Negative slope of leaky_relu (default 0.01)'),
  pieces: z.number().int().min(2).max(16).optional().describe('maxout only: linear pieces per unit, the paper\'s k (pylearn2\'s num_pieces); default 2'),
  norm: z.enum(NORMS).optional().describe('Normalise the layer\'s pre-activations: batch (torch.nn.BatchNorm1d: statistics of the minibatch in training, ' +
    'running estimates with momentum 0.1 at inference) or layer (torch.nn.LayerNorm: per row). Applied as Linear → Norm → Activation → Dropout'),
  dropout: z.number().min(0).lt(1).optional().describe('Dropout rate p: in training each unit of the layer\'s output is zeroed with probability p ' +
    'and the rest scaled by 1/(1 − p) (inverted dropout); the identity at inference. Default 0 (none)'),
  residual: z.boolean().optional().describe('true: the layer\'s output is a + block(a), a its input (He et al. 2016); when the widths differ, ' +
    'a learned projection of a (no bias) replaces a'),
  init: Init.optional(),
  biasInit: BiasInit.optional()
}).strict()

/** A left-out output head is a choice: the message names the choices and what each is for. */
const outputMissing = (unitsHint: string) => (iss: { input?: unknown }): string | undefined => iss.input === undefined
  ? `the output head is missing: give {"activation": …} with one of ${HEADS.join(', ')} (softmax for class labels, identity for numbers, sigmoid for binary or multi-label targets)${unitsHint}`
  : undefined

const outputShape = {
  units: Units,
  activation: z.enum(HEADS).describe('identity: regression (squared error); softmax: classes (cross-entropy); sigmoid: binary or multi-label'),
  init: Init.optional(),
  biasInit: BiasInit.optional()
}

export const OutputSpecSchema = z.object(outputShape, { error: outputMissing(' and "units"') }).strict()

const specShape = {
  inputs: z.number().int().min(1).max(1_000_000),
  layers: z.array(LayerSpecSchema).max(64).describe('Hidden layers, input side first; may be empty (a linear or logistic model)'),
  output: OutputSpecSchema,
  l2: z.number().min(0).max(10).optional().describe('L2 penalty λ on weights (not biases)')
}

/** Checks that span fields, reported at the field to change. */
function crossCheck (spec: { output: { activation: string, units?: number }, layers: z.output<typeof LayerSpecSchema>[] }, ctx: z.RefinementCtx, job = false): void {
  if (spec.output.activation === 'softmax' && spec.output.units !== undefined && spec.output.units < 2) {
    // a job's network has a dataset to take the number of classes from: say so, as the likeliest fix
    ctx.addIssue({
      code: 'custom',
      path: ['output', 'units'],
      message: 'a softmax output needs at least 2 units (one per class); ' +
        (job ? 'leave output.units out to take the number of classes from the dataset, or use 1 sigmoid unit for a binary target' : 'use 1 sigmoid unit for a binary target')
    })
  }
  spec.layers.forEach((layer, i) => {
    if (layer.alpha !== undefined && layer.activation !== 'leaky_relu') {
      ctx.addIssue({ code: 'custom', path: ['layers', i, 'alpha'], message: `alpha applies to leaky_relu only; this layer is ${layer.activation}` })
    }
    // LayerNorm over one value: the value minus its own mean is 0, so the layer outputs β whatever comes in
    // (maxout's norm runs over its units·pieces pre-activations, never one)
    if (layer.norm === 'layer' && layer.units === 1 && layer.activation !== 'maxout') {
      ctx.addIssue({ code: 'custom', path: ['layers', i, 'norm'], message: 'layer norm over 1 unit always outputs its bias β (a value minus its own mean is 0), so the layer could learn nothing: give the layer more units, use norm \'batch\', or leave norm out' })
    }
    if (layer.pieces !== undefined && layer.activation !== 'maxout') {
      ctx.addIssue({ code: 'custom', path: ['layers', i, 'pieces'], message: `pieces applies to maxout only; this layer is ${layer.activation}: set activation to 'maxout' or leave pieces out` })
    }
  })
}

export const NetworkSpecSchema = z.object(specShape).strict().superRefine(crossCheck).meta({ id: 'NetworkSpec' })

/**
 * A training job's inline network: `inputs` and `output.units` may be left out, and are then taken
 * from the dataset (its encoded width; its classes or target columns), see data/class-heads.ts.
 */
export const JobNetworkSchema = z.object({
  ...specShape,
  inputs: specShape.inputs.optional().describe('Default: the dataset\'s encoded width (numeric columns plus one per category)'),
  output: z.object({
    ...outputShape,
    units: Units.optional().describe('Default: the number of classes (softmax), 1 for two classes (sigmoid), else the target columns')
  }, { error: outputMissing('; its units default to the dataset\'s') }).strict()
}).strict().superRefine((spec, ctx) => { crossCheck(spec, ctx, true) }).meta({ id: 'JobNetworkSpec' })

export type JobNetworkSpec = z.output<typeof JobNetworkSchema>

export const CreateNetworkRequest = z.object({ name: NewName.optional(), ...specShape })
  .strict().superRefine(crossCheck).meta({ id: 'CreateNetworkRequest' })

export const LayerSummarySchema = z.object({
  inputs: z.number().int(),
  units: z.number().int(),
  activation: z.string(),
  parameters: z.number().int().describe('Learned parameters of the layer: units × inputs weights + units biases for a plain layer, ' +
    'plus k-fold weights for maxout, the norm\'s weight and bias, and a residual projection (batch norm\'s running mean and variance are buffers, not counted)'),
  alpha: z.number().optional().describe('leaky_relu: its negative slope (the default, 0.01, included)'),
  pieces: z.number().int().optional().describe('maxout: its pieces per unit (the default, 2, included)'),
  norm: z.enum(NORMS).optional().describe('Present when the layer normalises'),
  dropout: z.number().optional().describe('Present when the layer drops units in training'),
  residual: z.boolean().optional().describe('Present (true) when the layer adds its input')
}).meta({ id: 'LayerSummary' })

export const NetworkResponse = z.object({
  id: z.string(),
  name: z.string(),
  inputs: z.number().int(),
  layers: z.array(LayerSummarySchema).describe('Hidden layers'),
  output: LayerSummarySchema,
  l2: z.number(),
  parameterCount: z.number().int().describe('Learned parameters, as PyTorch counts net.parameters(): weights, biases, norms\' γ and β (batch norm\'s running statistics are buffers, not counted)'),
  createdAt: Timestamp,
  network: NetworkSpecSchema
}).meta({ id: 'NetworkResponse' })

export type NetworkResponseBody = z.infer<typeof NetworkResponse>

/** The zod output and the core's type must stay the same shape. */
export const asNetworkSpec = (value: z.output<typeof NetworkSpecSchema>): NetworkSpec => value
