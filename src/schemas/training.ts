/**
 * Training jobs as the API accepts and returns them, and the job data a worker receives (the same
 * training options, so a worker re-validates with the schema the API used). Limits from config are
 * checked by the route; the bounds here are sanity limits.
 */
import { z } from 'zod'
import './messages.js'
import { NORMALIZATIONS } from '../data/normalize.js'
import { Name, PageQuery, Timestamp } from './common.js'
import { MODEL_NAME_FORM, ModelName } from './model-name.js'
import { JobNetworkSchema, NetworkSpecSchema } from './network.js'
import { MissingValuesSchema } from './dataset.js'

/** scikit-learn's MLPClassifier/MLPRegressor defaults where they have one (sklearn.neural_network, 1.5). */
export const TRAINING_DEFAULTS = {
  /** learning_rate_init=0.001 */
  learningRate: 0.001,
  /** max_iter=200: an upper bound, early stopping usually ends sooner */
  epochs: 200,
  /** batch_size='auto' = min(200, n_samples) */
  maxBatchSize: 200,
  /** validation_fraction=0.1 */
  validationSplit: 0.1,
  /** n_iter_no_change=10, tol=1e-4 */
  earlyStopping: { patience: 10, minDelta: 1e-4 }
} as const

/** The batch size a job trains with: as given, else scikit-learn's min(200, rows). */
export const batchSizeFor = (batchSize: number | undefined, rows: number): number =>
  batchSize ?? Math.max(1, Math.min(TRAINING_DEFAULTS.maxBatchSize, rows))

const LearningRate = z.number().positive().max(1e6).default(TRAINING_DEFAULTS.learningRate)
  .describe(`Base learning rate (the schedule scales it per epoch); default ${TRAINING_DEFAULTS.learningRate}, as scikit-learn's learning_rate_init`)
const Unit = z.number().min(0).lt(1)

/** A discriminated union whose error for a missing or unknown `type` lists the choices. */
function choiceOf<T extends readonly [z.ZodObject<{ type: z.ZodLiteral<string> }>, ...z.ZodObject<{ type: z.ZodLiteral<string> }>[]]> (what: string, options: T) {
  const names = options.map((o) => o.shape.type.value).join(', ')
  return z.discriminatedUnion('type', options, {
    error: (iss) => {
      // a bare name ("adam", as Keras takes it) or another non-object: say the form, with the name if it is one
      // (zod's type for this callback names only invalid_union, but the union's own object check reports invalid_type here)
      if ((iss.code as string) === 'invalid_type' && (typeof iss.input !== 'object' || iss.input === null || Array.isArray(iss.input))) {
        const example = typeof iss.input === 'string' && names.split(', ').includes(iss.input) ? iss.input : options[0].shape.type.value
        return `${what} is an object with a type, one of: ${names}; e.g. {"type": ${JSON.stringify(example)}}`
      }
      if (iss.code !== 'invalid_union') return undefined
      const given = typeof iss.input === 'object' && iss.input !== null ? (iss.input as { type?: unknown }).type : undefined
      return given === undefined ? `${what} needs a type, one of: ${names}` : `${what} type ${JSON.stringify(given)} is not one of: ${names} (names are lower case)`
    }
  })
}

export const OptimizerSchema = choiceOf('optimizer', [
  z.object({ type: z.literal('sgd'), learningRate: LearningRate }).strict(),
  z.object({ type: z.literal('momentum'), learningRate: LearningRate, momentum: Unit.optional().describe('default 0.9') }).strict(),
  z.object({ type: z.literal('nesterov'), learningRate: LearningRate, momentum: Unit.optional().describe('default 0.9') }).strict(),
  z.object({ type: z.literal('adam'), learningRate: LearningRate, beta1: Unit.optional().describe('default 0.9'), beta2: Unit.optional().describe('default 0.999'), epsilon: z.number().positive().optional().describe('default 1e-8') }).strict(),
  z.object({
    type: z.literal('adamw'), learningRate: LearningRate, beta1: Unit.optional(), beta2: Unit.optional(),
    epsilon: z.number().positive().optional(), weightDecay: z.number().min(0).max(10).optional()
  }).strict()
]).meta({ id: 'Optimizer' })

const Positive = z.number().positive().max(1e6)

export const ScheduleSchema = choiceOf('schedule', [
  z.object({ type: z.literal('constant') }).strict(),
  z.object({ type: z.literal('step'), stepSize: z.number().int().min(1), gamma: Positive.optional() }).strict(),
  z.object({ type: z.literal('exponential'), gamma: Positive }).strict(),
  z.object({ type: z.literal('cosine'), minLearningRate: z.number().min(0).optional(), epochs: z.number().int().min(1).optional() }).strict(),
  z.object({
    type: z.literal('reduce_on_plateau'), factor: z.number().gt(0).lt(1).optional(), patience: z.number().int().min(0).optional(),
    minDelta: z.number().min(0).optional(), minLearningRate: z.number().min(0).optional()
  }).strict()
]).meta({ id: 'Schedule' })

const EarlyStoppingSchema = z.object({
  patience: z.number().int().min(1).default(TRAINING_DEFAULTS.earlyStopping.patience)
    .describe(`Epochs in a row without an improvement of at least minDelta before stopping; default ${TRAINING_DEFAULTS.earlyStopping.patience}, as scikit-learn's n_iter_no_change`),
  minDelta: z.number().min(0).default(TRAINING_DEFAULTS.earlyStopping.minDelta)
    .describe(`Smallest decrease below the best loss so far that resets the patience count; default ${TRAINING_DEFAULTS.earlyStopping.minDelta}, as scikit-learn's tol. ` +
      'The weights kept are the lowest loss\'s, however small its lead')
}).strict()

const D = TRAINING_DEFAULTS
export const TrainingOptionsSchema = z.object({
  epochs: z.number().int().min(1).default(D.epochs)
    .describe(`Most passes over the training rows (MAX_EPOCHS bounds it); default ${D.epochs}, as scikit-learn's max_iter`),
  batchSize: z.number().int().min(1).max(1_000_000).optional()
    .describe(`Rows per update; default min(${D.maxBatchSize}, rows), as scikit-learn's batch_size='auto'`),
  optimizer: OptimizerSchema.default({ type: 'adam', learningRate: D.learningRate })
    .describe(`Default {"type": "adam", "learningRate": ${D.learningRate}}, as scikit-learn's solver='adam'`),
  schedule: ScheduleSchema.optional().describe('Learning-rate schedule; default constant'),
  validationSplit: z.number().min(0).lt(1).default(D.validationSplit)
    .describe(`Share of rows held out (stratified by class); validation metrics and early stopping use them. Default ${D.validationSplit}, as scikit-learn's validation_fraction; 0 trains on every row`),
  earlyStopping: z.union([EarlyStoppingSchema, z.literal(false), z.literal(true).transform(() => ({ ...D.earlyStopping }))]).default({ ...D.earlyStopping })
    .describe(`Stop after \`patience\` epochs without an improvement of at least \`minDelta\` in the validation (else training) loss, and keep the best epoch's weights. Default {"patience": ${D.earlyStopping.patience}, "minDelta": ${D.earlyStopping.minDelta}}, as scikit-learn's n_iter_no_change and tol (true: these); false trains every epoch`),
  classWeight: z.union([z.literal('balanced'), z.record(z.string(), z.number())]).optional()
    .describe('Weights of the classes in the training loss (scikit-learn\'s class_weight, PyTorch\'s CrossEntropyLoss weight, and BCEWithLogitsLoss weighted per row), ' +
      'for a softmax output or one sigmoid unit on two classes (not several sigmoid units, each a label of its own): ' +
      '"balanced" (rows / (classes × rows of the class), over the training rows) or {"label": weight, …} (a class left out weighs 1). ' +
      'A row of class c counts w_c times in the loss and its gradient; minibatches stay averaged over their rows. Validation rows are not weighted'),
  shuffle: z.boolean().optional().describe('Shuffle rows every epoch (default true)'),
  seed: z.number().int().min(0).max(0xffffffff).optional().describe('Fixes initialisation, split and shuffles (default 0)'),
  normalize: z.enum(NORMALIZATIONS).optional()
    .describe('Feature scaling fitted on the training rows; regression targets are standardised too unless none. Default standard; ' +
      'a fine-tune (initialModelId) keeps its model\'s scaling, fitted on that model\'s training rows (its weights expect inputs scaled so): leave it out, or name that one')
}).strict().meta({ id: 'TrainingOptions' })

export type TrainingOptions = z.output<typeof TrainingOptionsSchema>

/** The opt-in to a new signature for an existing model name (queue/model-signature.ts); shared with sweeps. */
export const AllowSignatureChange = z.boolean().optional()
  .describe('When modelName already has versions, the new one must keep the newest version\'s signature: the same feature columns (names in order, ' +
    'numeric or categorical), the same output head and units, and the same classes (or regression targets) in order; otherwise the request is ' +
    'refused with 409 listing the differences, since clients that call the name (or name@latest) would break. true: store it anyway, as the ' +
    'name\'s new signature. Default false')

export const CreateTrainingJobRequest = z.object({
  datasetId: z.string().min(1).max(200),
  network: JobNetworkSchema.optional().describe('An inline network definition; inputs and output.units default to the dataset\'s'),
  networkId: z.string().min(1).max(200).optional().describe('A saved network definition (POST /v1/networks)'),
  initialModelId: z.string().min(1).max(200).optional().describe('Fine-tune: start from this model\'s network, weights and normalisation. Any model reference: an id (mdl_…), name@<version>, name@latest, or a bare name (its newest version), resolved to the id when the job is admitted'),
  training: TrainingOptionsSchema.default(TrainingOptionsSchema.parse({}))
    .describe('How to train; every field has a default (see TrainingOptions), so it may be left out'),
  modelName: ModelName.optional().describe(`Name the trained model is versioned under (the next version of it): ${MODEL_NAME_FORM}. Without it, the model is named by its id`),
  missing: MissingValuesSchema.optional().describe('How missing feature cells are filled, fitted on the training rows and stored with the model; default: the dataset\'s upload strategy'),
  allowSignatureChange: AllowSignatureChange
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

/**
 * A sweep's child job (queue/sweeps/): which trial it is and, with k folds, which fold it holds out.
 * Such a job trains on the rows outside its fold, scores the rows it held out, and stores no model.
 */
export const SweepChildSchema = z.object({
  id: z.string().min(1),
  trial: z.number().int().min(0),
  fold: z.object({ k: z.number().int().min(2), index: z.number().int().min(0), seed: z.number().int().min(0) }).strict().optional(),
  // without folds: the rows every trial is scored on, drawn from the sweep's seed (trial-rows.ts); absent on trials queued before it
  holdout: z.object({ fraction: z.number().gt(0).lt(1), seed: z.number().int().min(0) }).strict().optional()
}).strict()

export type SweepChild = z.output<typeof SweepChildSchema>

/** What the queue carries: the network resolved at admission, so the worker trains what was admitted. */
export const TrainJobDataSchema = z.object({
  datasetId: z.string().min(1),
  network: NetworkSpecSchema,
  networkId: z.string().optional(),
  initialModelId: z.string().optional(),
  training: TrainingOptionsSchema,
  // not ModelName: a job queued before the rule (model-name.ts) must still run; admission checks new names
  modelName: Name.optional(),
  missing: MissingValuesSchema.optional(),
  // set by the API from the caller's key, never by the request body; the model is stored under it
  tenant: z.string().min(1).optional(),
  sweep: SweepChildSchema.optional()
}).strict()

export type TrainJobData = z.output<typeof TrainJobDataSchema>

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const
export type JobStatus = (typeof JOB_STATUSES)[number]

export const EpochSchema = z.object({
  epoch: z.number().int(),
  loss: z.number().describe('The training rows\' mean loss as each minibatch met them (before its step), plus the L2 penalty λ/2·‖W‖² of the weights at the epoch\'s end'),
  valLoss: z.number().optional().describe('The validation rows\' mean loss on the weights at the epoch\'s end, plus their L2 penalty (as Keras\' val_loss)'),
  accuracy: z.number().optional(),
  valAccuracy: z.number().optional(),
  learningRate: z.number().optional()
}).meta({ id: 'EpochStats' })

export type EpochRecord = z.infer<typeof EpochSchema>

/** Why a run stopped; the core's `aborted` is reported as `cancelled` (a run is only aborted for good by a cancel). */
export const STOP_REASONS = ['completed', 'early_stopping', 'stopped', 'diverged', 'cancelled'] as const

/** How a run ended (queue/run-report.ts): on a job once it has finished, and on the model it produced. */
export const RunReportShape = {
  bestEpoch: z.number().int().nullable().optional()
    .describe('Epoch (1-based) with the lowest monitored loss: the validation loss, or the training loss without validation rows. With early stopping the stored weights are this epoch\'s'),
  stoppedEpoch: z.number().int().optional().describe('The last epoch that ran to its end'),
  weightsEpoch: z.number().int().optional()
    .describe('The epoch whose end-of-epoch weights the run kept, the model\'s (a sweep trial\'s: those it was scored with): bestEpoch when early stopping restored them, else stoppedEpoch ' +
      '(so a stop asked for, without early stopping, keeps the last epoch\'s, not the best\'s). The model\'s loss and val* metrics are this epoch\'s. Absent when the run kept none (cancelled, diverged)'),
  stopReason: z.enum(STOP_REASONS).optional()
    .describe('completed: every epoch ran; early_stopping: no improvement for `patience` epochs; stopped: a stop was asked for (POST /v1/training-jobs/{id}/stop) and the job ended after the epoch it was in, storing its model; diverged: the loss, a weight or an output became non-finite (the job failed); cancelled: no model stored'),
  trainRows: z.number().int().optional().describe('Rows the weights were fitted on: the dataset\'s (a sweep child\'s: outside its fold) less validationRows'),
  validationRows: z.number().int().optional()
    .describe('Rows held out by validationSplit (stratified by class, drawn with the job\'s seed), on which valLoss and the val* metrics are measured; 0 without validation'),
  warnings: z.array(z.string()).optional()
    .describe('Options that did not apply as asked, e.g. "validationSplit 0.1 holds out 2 of 4 rows (50%): each class of 2 rows or more keeps one row for validation, so the model trained on 2; upload more rows, or set validationSplit 0 to train on all of them"')
}

export const TrainingJobResponse = z.object({
  id: z.string(),
  status: z.enum(JOB_STATUSES),
  progress: z.object({
    epoch: z.number().int(),
    epochs: z.number().int(),
    updatedAt: Timestamp.optional().describe('Running jobs: when the worker last reported (each epoch), or when it took the job (the attempt\'s start) if that is later. ' +
      'A clock that stops while epochs are quick means the worker is gone: the job is handed to another worker when its lock expires (about 30 s), ' +
      'resuming from its last checkpoint')
  }),
  history: z.array(EpochSchema).describe('One entry per finished epoch'),
  datasetId: z.string(),
  network: NetworkSpecSchema.describe('The network it trains, as resolved at submission: a saved networkId\'s or a parent model\'s, inputs and output units filled in from the dataset'),
  networkId: z.string().optional().describe('The saved network definition it was submitted with'),
  initialModelId: z.string().optional().describe('The model it fine-tunes'),
  missing: MissingValuesSchema.optional().describe('How missing feature cells are filled: the job\'s strategy, else its dataset\'s (absent: none are allowed)'),
  sweep: z.object({ id: z.string(), trial: z.number().int(), fold: z.object({ k: z.number().int(), index: z.number().int() }).optional() }).optional()
    .describe('A sweep\'s child job: its sweep, trial (0-based, as the sweep\'s results number them) and fold'),
  training: TrainingOptionsSchema.describe('The training options as the job runs them, every default written in: the optimizer\'s and schedule\'s own, shuffle, seed, and batchSize once the job has started (its default, min(200, rows), resolves on the rows it trains on)'),
  modelName: z.string().optional(),
  modelId: z.string().optional().describe('The trained model, once succeeded'),
  error: z.string().optional().describe('Why the job failed or was cancelled'),
  ...RunReportShape,
  createdAt: Timestamp,
  startedAt: Timestamp.optional().describe('When the job\'s first attempt started (a job resumed after a restart keeps it)'),
  attempts: z.number().int().min(2).optional()
    .describe('How many times a worker has started this job, when more than once: a worker crashed, was stopped (SIGTERM hands the job back), or lost Redis mid-run, and another attempt took the job over. Absent for a job one attempt ran'),
  resumedFromEpoch: z.number().int().min(0).optional()
    .describe('With attempts: the epoch the latest attempt resumed from, its checkpoint\'s (0: it started over). Epochs after it were trained again; history has each epoch once'),
  threads: z.number().int().min(1).optional()
    .describe('The engine threads (worker_threads) the latest attempt trains on, from when a worker takes the job: TRAIN_THREADS at most, and no more than pay for ' +
      'this network and minibatch (one per 64-row shard of the minibatch, each with about a million multiply-adds or more), so a 32-row minibatch trains on 1. ' +
      'Speed only: the weights are the same bits for any thread count'),
  finishedAt: Timestamp.optional(),
  cancelRequestedAt: Timestamp.optional()
    .describe('When a cancel was asked for. A running job keeps status `running` until its worker stops it, within one minibatch; it then ends `cancelled`'),
  stopRequestedAt: Timestamp.optional()
    .describe('When a stop was asked for (POST …/stop). A running job keeps status `running` until the epoch it is in ends; it then stores its model and ends `succeeded` with stopReason `stopped`'),
  links: z.object({ self: z.string(), events: z.string(), cancel: z.string(), stop: z.string(), model: z.string().optional() })
}).meta({ id: 'TrainingJobResponse' })

export type TrainingJobResponseBody = z.infer<typeof TrainingJobResponse>

export const TrainingJobSummary = TrainingJobResponse.omit({ history: true }).meta({ id: 'TrainingJobSummary' })

/** GET /v1/training-jobs's options: a page, and the statuses to list (comma-separated: running,queued). */
export const JobListQuery = PageQuery.extend({
  status: z.string().optional().transform((value, ctx): JobStatus[] | undefined => {
    if (value === undefined) return undefined
    const listed = value.split(',').map((v) => v.trim())
    const wrong = listed.find((v) => !(JOB_STATUSES as readonly string[]).includes(v))
    if (wrong === undefined) return listed as JobStatus[]
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(wrong)} is not a status; send one or more of ${JOB_STATUSES.join(', ')}, comma-separated (e.g. running,queued)` })
    return z.NEVER
  }).describe(`Only jobs of these statuses, comma-separated (${JOB_STATUSES.join(', ')}), among the tenant's newest 10,000 jobs; total counts the matches`)
}).strict()

/** GET /v1/training-jobs/:id's options. */
export const TrainingJobQuery = z.object({
  history: z.enum(['all', 'none']).default('all')
    .describe('all (default): with the epoch history. none: without it, as in the list (TrainingJobSummary): a status poll of a job at epoch 100,000 answers as fast as at epoch 1, where the history alone is ~12 MB')
}).strict()

export const CreatedTrainingJob = z.object({
  id: z.string(),
  status: z.literal('queued'),
  links: TrainingJobResponse.shape.links
}).meta({ id: 'CreatedTrainingJob' })
