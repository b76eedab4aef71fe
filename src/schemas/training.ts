/**
 * Training jobs as the API accepts and returns them, and the job data a worker receives (the same
 * training options, so a worker re-validates with the schema the API used). Limits from config are
 * checked by the route; the bounds here are sanity limits.
 */
import { z } from 'zod'
import { NORMALIZATIONS } from '../data/normalize.js'
import { Name, Timestamp } from './common.js'
import { JobNetworkSchema, NetworkSpecSchema } from './network.js'
import { MissingValuesSchema } from './dataset.js'

const LearningRate = z.number().positive().max(1e6).describe('Base learning rate (the schedule scales it per epoch)')
const Unit = z.number().min(0).lt(1)

export const OptimizerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('sgd'), learningRate: LearningRate }).strict(),
  z.object({ type: z.literal('momentum'), learningRate: LearningRate, momentum: Unit.optional().describe('default 0.9') }).strict(),
  z.object({ type: z.literal('nesterov'), learningRate: LearningRate, momentum: Unit.optional().describe('default 0.9') }).strict(),
  z.object({ type: z.literal('adam'), learningRate: LearningRate, beta1: Unit.optional(), beta2: Unit.optional(), epsilon: z.number().positive().optional() }).strict(),
  z.object({
    type: z.literal('adamw'), learningRate: LearningRate, beta1: Unit.optional(), beta2: Unit.optional(),
    epsilon: z.number().positive().optional(), weightDecay: z.number().min(0).max(10).optional()
  }).strict()
]).meta({ id: 'Optimizer' })

const Positive = z.number().positive().max(1e6)

export const ScheduleSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('constant') }).strict(),
  z.object({ type: z.literal('step'), stepSize: z.number().int().min(1), gamma: Positive.optional() }).strict(),
  z.object({ type: z.literal('exponential'), gamma: Positive }).strict(),
  z.object({ type: z.literal('cosine'), minLearningRate: z.number().min(0).optional(), epochs: z.number().int().min(1).optional() }).strict(),
  z.object({
    type: z.literal('reduce_on_plateau'), factor: z.number().gt(0).lt(1).optional(), patience: z.number().int().min(0).optional(),
    minDelta: z.number().min(0).optional(), minLearningRate: z.number().min(0).optional()
  }).strict()
]).meta({ id: 'Schedule' })

export const TrainingOptionsSchema = z.object({
  epochs: z.number().int().min(1).describe('Passes over the training rows (MAX_EPOCHS bounds it)'),
  batchSize: z.number().int().min(1).max(1_000_000),
  optimizer: OptimizerSchema,
  schedule: ScheduleSchema.optional(),
  validationSplit: z.number().min(0).lt(1).optional().describe('Share of rows held out (stratified by class); metrics are computed on them'),
  earlyStopping: z.object({ patience: z.number().int().min(1), minDelta: z.number().min(0).optional() }).strict().optional()
    .describe('Stop after `patience` epochs without improvement of the validation (else training) loss; the best weights are kept'),
  shuffle: z.boolean().optional().describe('Shuffle rows every epoch (default true)'),
  seed: z.number().int().min(0).max(0xffffffff).optional().describe('Fixes initialisation, split and shuffles (default 0)'),
  normalize: z.enum(NORMALIZATIONS).default('standard')
    .describe('Feature scaling fitted on the training rows; regression targets are standardised too unless none')
}).strict().meta({ id: 'TrainingOptions' })

export type TrainingOptions = z.output<typeof TrainingOptionsSchema>

export const CreateTrainingJobRequest = z.object({
  datasetId: z.string().min(1).max(200),
  network: JobNetworkSchema.optional().describe('An inline network definition; inputs and output.units default to the dataset\'s'),
  networkId: z.string().min(1).max(200).optional().describe('A saved network definition (POST /v1/networks)'),
  initialModelId: z.string().min(1).max(200).optional().describe('Fine-tune: start from this model\'s network, weights and normalisation'),
  training: TrainingOptionsSchema,
  modelName: Name.optional().describe('Name the trained model is versioned under'),
  missing: MissingValuesSchema.optional().describe('How missing feature cells are filled, fitted on the training rows and stored with the model; default: the dataset\'s upload strategy')
}).strict().superRefine((body, ctx) => {
  const given = (['network', 'networkId', 'initialModelId'] as const).filter((k) => body[k] !== undefined)
  if (given.length !== 1) {
    ctx.addIssue({
      code: 'custom',
      path: given.length > 1 ? [given[1]] : [],
      message: `give exactly one of network, networkId or initialModelId (got ${given.length === 0 ? 'none' : given.join(' and ')})`
    })
  }
}).meta({ id: 'CreateTrainingJobRequest' })

export type CreateTrainingJobBody = z.output<typeof CreateTrainingJobRequest>

/** What the queue carries: the network resolved at admission, so the worker trains what was admitted. */
export const TrainJobDataSchema = z.object({
  datasetId: z.string().min(1),
  network: NetworkSpecSchema,
  networkId: z.string().optional(),
  initialModelId: z.string().optional(),
  training: TrainingOptionsSchema,
  modelName: Name.optional(),
  missing: MissingValuesSchema.optional(),
  // set by the API from the caller's key, never by the request body; the model is stored under it
  tenant: z.string().min(1).optional()
}).strict()

export type TrainJobData = z.output<typeof TrainJobDataSchema>

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const
export type JobStatus = (typeof JOB_STATUSES)[number]

export const EpochSchema = z.object({
  epoch: z.number().int(),
  loss: z.number(),
  valLoss: z.number().optional(),
  accuracy: z.number().optional(),
  valAccuracy: z.number().optional(),
  learningRate: z.number().optional()
}).meta({ id: 'EpochStats' })

export type EpochRecord = z.infer<typeof EpochSchema>

export const TrainingJobResponse = z.object({
  id: z.string(),
  status: z.enum(JOB_STATUSES),
  progress: z.object({ epoch: z.number().int(), epochs: z.number().int() }),
  history: z.array(EpochSchema).describe('One entry per finished epoch'),
  datasetId: z.string(),
  modelName: z.string().optional(),
  modelId: z.string().optional().describe('The trained model, once succeeded'),
  error: z.string().optional().describe('Why the job failed or was cancelled'),
  createdAt: Timestamp,
  startedAt: Timestamp.optional(),
  finishedAt: Timestamp.optional(),
  links: z.object({ self: z.string(), events: z.string(), cancel: z.string(), model: z.string().optional() })
}).meta({ id: 'TrainingJobResponse' })

export type TrainingJobResponseBody = z.infer<typeof TrainingJobResponse>

export const TrainingJobSummary = TrainingJobResponse.omit({ history: true }).meta({ id: 'TrainingJobSummary' })

export const CreatedTrainingJob = z.object({
  id: z.string(),
  status: z.literal('queued'),
  links: TrainingJobResponse.shape.links
}).meta({ id: 'CreatedTrainingJob' })
