/**
 * Hyper-parameter sweeps as the API accepts and returns them: a base training job (the fields of
 * POST /v1/training-jobs), a search space over its fields, how many random trials, the metric to
 * rank by and its direction, and optional k-fold cross-validation. Names follow Ray Tune for the
 * search space (grid_search, choice, uniform, loguniform, randint, num_samples → `trials`) and
 * scikit-learn for metrics (`accuracy`, `log_loss`, `r2`, …) and `greaterIsBetter` (make_scorer).
 */
import { z } from 'zod'
import './messages.js'
import { Timestamp } from './common.js'
import { MODEL_NAME_FORM, ModelName } from './model-name.js'
import { AllowSignatureChange, JOB_STATUSES } from './training.js'

/**
 * A dotted path into the job: `training.optimizer.learningRate`, `network.layers.0.units`. No step names what every
 * object inherits (`__proto__`, `constructor`, `prototype`): setting `training.__proto__.x` had set `x` on every object
 * of the process (a hostile trial), and no field of a job is named so.
 */
export const PARAM_PATH = /^(network|training|missing)(\.(?!(?:__proto__|constructor|prototype)(?:\.|$))[A-Za-z0-9_]+)+$/

const Values = z.array(z.unknown()).min(1).max(1000)
const Bound = z.number().min(-1e12).max(1e12)

export const DistributionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('grid'), values: Values.describe('Every value is tried, combined with every value of the other grid fields (Ray Tune grid_search)') }).strict(),
  z.object({ type: z.literal('choice'), values: Values.describe('One value drawn per trial, each equally likely (Ray Tune choice)') }).strict(),
  z.object({ type: z.literal('uniform'), low: Bound, high: Bound }).strict().describe('A number drawn uniformly from [low, high)'),
  z.object({ type: z.literal('loguniform'), low: z.number().positive(), high: z.number().positive() }).strict()
    .describe('A number whose logarithm is uniform on [ln low, ln high) (scipy.stats.loguniform, Ray Tune loguniform)'),
  z.object({ type: z.literal('randint'), low: z.number().int(), high: z.number().int() }).strict().describe('An integer drawn uniformly from [low, high)')
]).superRefine((d, ctx) => {
  if ((d.type === 'uniform' || d.type === 'loguniform' || d.type === 'randint') && !(d.low < d.high)) {
    ctx.addIssue({ code: 'custom', path: ['high'], message: `high (${d.high}) must be greater than low (${d.low})` })
  }
}).meta({ id: 'SweepDistribution' })

export type Distribution = z.output<typeof DistributionSchema>

/**
 * scikit-learn's scoring names; each is measured on the rows a trial did not train on. A loss goes by its
 * own name (log_loss, not scikit-learn's negated scorer neg_log_loss): greaterIsBetter gives its direction.
 */
export const SWEEP_METRICS = ['accuracy', 'balanced_accuracy', 'f1_macro', 'f1_weighted', 'roc_auc', 'roc_auc_ovr', 'log_loss', 'r2', 'mean_squared_error', 'mean_absolute_error'] as const
export type SweepMetric = (typeof SWEEP_METRICS)[number]
/** The direction a metric improves in, unless the request says otherwise. */
export const GREATER_IS_BETTER: Readonly<Record<SweepMetric, boolean>> = {
  accuracy: true,
  balanced_accuracy: true,
  f1_macro: true,
  f1_weighted: true,
  roc_auc: true,
  roc_auc_ovr: true,
  log_loss: false,
  r2: true,
  mean_squared_error: false,
  mean_absolute_error: false
}
export const CLASSIFICATION_METRICS: readonly SweepMetric[] = ['accuracy', 'balanced_accuracy', 'f1_macro', 'f1_weighted', 'roc_auc', 'roc_auc_ovr', 'log_loss']
/** Classification metrics that read one class per row (a softmax, or one sigmoid unit): not several independent labels. */
export const SINGLE_LABEL_METRICS: readonly SweepMetric[] = ['balanced_accuracy', 'f1_macro', 'f1_weighted', 'roc_auc', 'roc_auc_ovr', 'log_loss']

/** scikit-learn's negated scorers, and the name of what they negate here. */
const NEGATED: Readonly<Record<string, SweepMetric>> = {
  neg_log_loss: 'log_loss',
  neg_mean_squared_error: 'mean_squared_error',
  neg_root_mean_squared_error: 'mean_squared_error',
  neg_mean_absolute_error: 'mean_absolute_error'
}

/** A metric's error: a scikit-learn scorer name gets the name to send (undefined: the usual one-of message). */
function metricError (issue: { input?: unknown }): string | undefined {
  const sent = issue.input
  if (typeof sent !== 'string' || NEGATED[sent] === undefined) return undefined
  const own = NEGATED[sent]
  return `"${sent}" is scikit-learn's negated scorer; send "${own}"${sent.includes('root') ? ' (it ranks the trials as its root does)' : ''}: lower is better, which greaterIsBetter (default false for it) already says`
}

export const CreateSweepRequest = z.object({
  datasetId: z.string().min(1).max(200),
  network: z.record(z.string(), z.unknown()).optional().describe('The base network, inline (as in POST /v1/training-jobs); `network.*` fields may be searched'),
  networkId: z.string().min(1).max(200).optional().describe('A saved network definition; then only `training.*` and `missing.*` fields may be searched'),
  training: z.record(z.string(), z.unknown()).optional().describe('The base training options (TrainingOptions); every trial starts from them'),
  missing: z.record(z.string(), z.unknown()).optional().describe('The base missing-value strategy (as in POST /v1/training-jobs)'),
  searchSpace: z.record(z.string().regex(PARAM_PATH, 'a field path such as training.optimizer.learningRate or network.layers.0.units (under network, training or missing; ' +
    'steps of letters, digits and _, none named __proto__, constructor or prototype)'), DistributionSchema)
    .refine((s) => Object.keys(s).length <= 50, 'give at most 50 fields to search')
    .default({})
    .describe('Field path → values or distribution. Grid fields multiply; random fields are drawn `trials` times per grid point. ' +
      'Empty or left out: the base job alone, cross-validated with `folds` (scikit-learn\'s cross_val_score)'),
  trials: z.number().int().min(1).max(10_000).default(1)
    .describe('Random draws (Ray Tune num_samples): the sweep runs (grid points) × trials configurations. Default 1. ' +
      'More than 1 needs a random field to draw (choice, uniform, loguniform, randint): draws of grids alone would repeat one configuration, seed and all. ' +
      'Discrete random fields alone (choice, randint) are drawn without repeats per grid point (scikit-learn\'s ParameterSampler), so trials may not exceed their distinct configurations'),
  metric: z.enum(SWEEP_METRICS, { error: metricError }).describe('What ranks the trials (scikit-learn names: roc_auc for two classes, roc_auc_ovr, the macro one-vs-rest mean, for more), measured on the held-out fold, or without folds on a validationSplit share of the rows held out by the sweep\'s seed (the same rows for every trial; a trial trains on the rest, its own validationSplit within them)'),
  greaterIsBetter: z.boolean().optional().describe('Direction (scikit-learn make_scorer); default true for accuracy, balanced_accuracy, the F1 and ROC AUC scores and r2, false for the losses and errors'),
  folds: z.number().int().min(2).max(100).optional()
    .describe('k-fold cross-validation: each configuration trains k times, each time holding out one of k disjoint, seeded folds (stratified by class)'),
  seed: z.number().int().min(0).max(0xffffffff).default(0).describe('Fixes the random draws and the folds (default 0)'),
  refit: z.boolean().default(true)
    .describe('scikit-learn\'s GridSearchCV refit: true (default) retrains the best configuration on all rows and stores it under modelName; ' +
      'false ranks the trials only (cross-validation, or a search whose best you train yourself), storing no model'),
  modelName: ModelName.optional().describe(`With refit (the default): the best configuration is retrained on all rows and stored under this model name: ${MODEL_NAME_FORM}`),
  allowSignatureChange: AllowSignatureChange
}).strict().superRefine((body, ctx) => {
  if ((body.network === undefined) === (body.networkId === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['network'], message: 'give exactly one of network or networkId' })
  }
  if (body.refit && body.modelName === undefined) {
    ctx.addIssue({ code: 'custom', path: ['modelName'], message: 'required: the best configuration is retrained and stored under it; or send "refit": false to rank the trials only' })
  }
  if (!body.refit && body.modelName !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['modelName'], message: 'with "refit": false no model is stored: leave modelName out, or refit' })
  }
}).meta({ id: 'CreateSweepRequest' })

export type CreateSweepBody = z.output<typeof CreateSweepRequest>

const FoldResult = z.object({
  fold: z.number().int().nullable().describe('0-based fold held out; null without folds'),
  jobId: z.string().describe('The child training job (GET /v1/training-jobs/{jobId})'),
  status: z.enum(JOB_STATUSES),
  score: z.number().optional().describe('The metric on the rows held out from this job'),
  scores: z.record(z.string(), z.number()).optional().describe('Every applicable metric on those rows'),
  error: z.string().optional()
})

export const TrialResult = z.object({
  trial: z.number().int().describe('0-based trial number: a grid\'s are scikit-learn\'s ParameterGrid order (fields sorted by path, the last varying fastest), so they are GridSearchCV\'s candidate indices'),
  params: z.record(z.string(), z.unknown()).describe('The searched fields of this trial'),
  status: z.enum(JOB_STATUSES),
  mean: z.number().optional().describe('Mean of the metric over folds, once every fold succeeded'),
  std: z.number().optional().describe('Population standard deviation over folds (numpy.std, as scikit-learn cv_results_ std_test_score)'),
  rank: z.number().int().optional().describe('1 = best, by mean in the metric\'s direction; equal means share the smallest rank (1, 1, 3), as scikit-learn\'s rank_test_score. The best of a tie is the first trial, as GridSearchCV\'s best_index_'),
  error: z.string().optional().describe('Why a fold failed or was cancelled'),
  folds: z.array(FoldResult)
}).meta({ id: 'SweepTrialResult' })

export type TrialResultBody = z.infer<typeof TrialResult>

export const SweepResponse = z.object({
  id: z.string(),
  status: z.enum(JOB_STATUSES),
  datasetId: z.string(),
  metric: z.enum(SWEEP_METRICS),
  greaterIsBetter: z.boolean(),
  folds: z.number().int().nullable(),
  refit: z.boolean().describe('Whether the best configuration is retrained and stored (scikit-learn\'s refit)'),
  modelName: z.string().optional().describe('Where the retrained best model is stored; absent with refit false'),
  progress: z.object({
    trialsDone: z.number().int().describe('Trials whose every fold ran to its end (succeeded or failed); a cancelled trial is not done'),
    trials: z.number().int(),
    jobsDone: z.number().int().describe('Child jobs that ran to their end: succeeded or failed'),
    jobsCancelled: z.number().int().describe('Child jobs cancelled, with the sweep or before they ran'),
    jobs: z.number().int().describe('Child training jobs: trials × folds')
  }),
  best: z.object({ trial: z.number().int(), params: z.record(z.string(), z.unknown()), mean: z.number(), std: z.number() }).optional()
    .describe('The best trial so far (final once the sweep succeeded)'),
  retrainJobId: z.string().optional().describe('The job that retrains the best configuration on all rows'),
  modelId: z.string().optional().describe('The retrained best model, once succeeded'),
  error: z.string().optional(),
  results: z.array(TrialResult).describe('One row per trial, in trial order'),
  createdAt: Timestamp,
  finishedAt: Timestamp.optional(),
  cancelRequestedAt: Timestamp.optional()
    .describe('When a cancel was asked for. A running sweep keeps status `running` until its jobs have stopped; it then ends `cancelled`, storing no model'),
  links: z.object({ self: z.string(), events: z.string(), cancel: z.string(), model: z.string().optional() })
}).meta({ id: 'SweepResponse' })

export type SweepResponseBody = z.infer<typeof SweepResponse>

export const SweepSummary = SweepResponse.omit({ results: true }).meta({ id: 'SweepSummary' })

export const CreatedSweep = z.object({
  id: z.string(),
  status: z.literal('queued'),
  trials: z.number().int(),
  jobs: z.number().int(),
  links: SweepResponse.shape.links
}).meta({ id: 'CreatedSweep' })
