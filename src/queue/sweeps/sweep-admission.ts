/**
 * Admission of a sweep, before anything is queued: expand the search space, write each configuration
 * into the base job and admit it exactly as POST /v1/training-jobs would (queue/admission.ts), check
 * that the metric fits the head and that every trial holds rows out to be scored on, and apply the
 * sweep limits: child jobs (trials × folds, MAX_SWEEP_JOBS) and their total work (MAX_SWEEP_WORK); the
 * model it stores keeps its name's signature unless the sweep opts out (model-signature.ts).
 * Errors are 4xx naming the trial and the field at fault.
 */
import { randomUUID } from 'node:crypto'
import type { Config } from '../../config.js'
import { DATASET_NOT_FOUND, UNPROCESSABLE, VALIDATION, withProblem } from '../../errors.js'
import { parameterCount } from '../../nn/spec.js'
import { CLASSIFICATION_METRICS, GREATER_IS_BETTER, SINGLE_LABEL_METRICS, type CreateSweepBody } from '../../schemas/sweep.js'
import { CreateTrainingJobRequest, type TrainJobData } from '../../schemas/training.js'
import type { DatasetMeta } from '../../store/datasets.js'
import type { SweepRecord, SweepTrial } from '../../store/sweeps.js'
import { applyParams, canonical, expandSearchSpace, randomConfigurations, repeatedGridValue, trialCount } from '../../sweeps/search-space.js'
import { admitTrainingJob, type AdmissionDeps } from '../admission.js'
import { BODY_OPT_IN, checkSignatureKept, signatureOfJob, type ModelSignature } from '../model-signature.js'
import { counted } from '../../nn/counted.js'
import { holdoutSize } from '../../nn/dataset.js'
import { withOptimizerDefaults } from '../../nn/optimizers.js'
import { headTargets } from '../../data/class-heads.js'
import { overLimit } from '../work-text.js'

export type SweepLimits = Pick<Config, 'MAX_SWEEP_JOBS' | 'MAX_SWEEP_WORK'>

const unprocessable = (message: string, field: string): Error => withProblem(new UNPROCESSABLE(message), { field })

/**
 * Stratified folds put every class in every fold, so each class needs at least k rows (scikit-learn's
 * StratifiedKFold warns, and with fewer rows than folds in every class refuses). The classes are what the
 * trial's head learns (data/class-heads.ts): labels (their one-hot target columns' means give the counts),
 * or the codes of a numeric column that a softmax, or one sigmoid unit on two codes, reads as classes
 * (their counts kept at upload; a dataset stored before that is not checked). A regression head has none.
 */
function refuseThinClasses (meta: DatasetMeta, folds: number, spec: TrainJobData['network'], trialLabel: string): void {
  const least = leastClass(meta, spec)
  if (least !== undefined && least.rows < folds) {
    // folds are 2 at least: a class of one row fits none of them
    throw unprocessable(`${trialLabel}${folds} stratified folds need every class in every fold, and ${least.named} has ${counted(least.rows, 'row')}: ` +
      (least.rows >= 2 ? `use at most ${counted(least.rows, 'fold')}` : 'upload more rows of it, or leave folds out (every trial is then scored on one holdout)'), 'folds')
  }
}

/**
 * The class with the fewest rows, as the trial's head learns the targets: labels (their one-hot target columns'
 * means give the counts), or the codes of a numeric column a softmax, or one sigmoid unit on two codes, reads as
 * classes (their counts kept at upload; a dataset stored before that has none). Undefined for a head without classes.
 */
function leastClass (meta: DatasetMeta, spec: TrainJobData['network']): { rows: number, named: string } | undefined {
  const how = headTargets(spec, meta)
  if ('error' in how || (how.kind === 'as-stored' && !how.classes)) return undefined
  const codes = how.kind === 'codes-one-hot' || how.kind === 'codes-binary'
  const labelled = meta.classes !== undefined && meta.targetStats.length === meta.classes.length
  const counts = codes ? meta.targetValueCounts : labelled ? meta.targetStats.map((s) => Math.round(s.mean * meta.rows)) : undefined
  if (counts === undefined) return undefined
  const i = counts.indexOf(Math.min(...counts))
  return { rows: counts[i], named: codes ? `class ${how.classes[i]} (a value of '${meta.targetNames[0] ?? 'the target'}')` : `class '${meta.classes![i]}'` }
}

/**
 * Without folds the holdout is stratified, and a class of one row stays in the rows trained on: a ROC AUC,
 * which needs every class among the scored rows (scikit-learn raises without), would be undefined for every trial.
 */
function refuseUnscorableAuc (meta: DatasetMeta, body: CreateSweepBody, spec: TrainJobData['network'], trialLabel: string): void {
  if (body.folds !== undefined || (body.metric !== 'roc_auc' && body.metric !== 'roc_auc_ovr')) return
  const least = leastClass(meta, spec)
  if (least !== undefined && least.rows < 2) {
    throw unprocessable(`${trialLabel}${body.metric} needs every class among the held-out rows, and ${least.named} has 1 row, which the stratified holdout leaves in the rows trained on: ` +
      'upload more rows of it, or rank by another metric (accuracy, f1_macro, log_loss)', 'metric')
  }
}

/**
 * Checks a trial's job against what the sweep scores: the metric's kind, and rows held out without folds.
 * The trial is named only when the search space reaches the field at fault: else the fault is the
 * sweep's own, in every trial, and trial 0's learning rate has nothing to do with it.
 */
function checkScorable (data: TrainJobData, body: CreateSweepBody, trialLabel: string, rows: number): void {
  const searched = (prefix: string): boolean => Object.keys(body.searchSpace).some((p) => p.startsWith(prefix))
  const head = data.network.output.activation
  const label = searched('network.output') ? `${trialLabel}: the` : 'the'
  const classifies = head === 'softmax' || head === 'sigmoid'
  if (CLASSIFICATION_METRICS.includes(body.metric) !== classifies) {
    throw unprocessable(`${label} metric '${body.metric}' is for ${classifies ? 'regression' : 'classification'}; ${head === 'identity' ? 'an' : 'a'} ${head} output is scored by ` +
      `${classifies ? CLASSIFICATION_METRICS.join(', ') : 'r2, mean_squared_error or mean_absolute_error'}`, 'metric')
  }
  const units = data.network.output.units
  if (SINGLE_LABEL_METRICS.includes(body.metric) && head === 'sigmoid' && units > 1) {
    throw unprocessable(`${label} metric ${body.metric} needs one class per row (a softmax or a single sigmoid unit); this network has ${units} sigmoid outputs, each a label of its own: use accuracy`, 'metric')
  }
  // scikit-learn's roc_auc scores two classes; more need an averaging of one-vs-rest areas, roc_auc_ovr's
  if (body.metric === 'roc_auc' && head === 'softmax' && units > 2) {
    throw unprocessable(`${label} metric roc_auc is for two classes, and this network has ${units}: use roc_auc_ovr (the unweighted mean of each class's one-vs-rest area, scikit-learn's multi_class='ovr')`, 'metric')
  }
  if (body.folds === undefined && data.training.validationSplit === 0) {
    throw unprocessable(`${searched('training.validationSplit') ? `${trialLabel}: ` : ''}without folds every trial is scored on a training.validationSplit share of the rows, held out by the sweep's seed, and training.validationSplit is 0: set it above 0, or give folds`, 'training.validationSplit')
  }
  // R² needs two rows to score (scikit-learn's r2_score is NaN on one): every fold, or the holdout, must have them
  if (body.metric === 'r2') {
    const scored = body.folds === undefined ? holdoutSize(rows, data.training.validationSplit) : Math.floor(rows / body.folds)
    if (scored < 2) {
      throw unprocessable(`${searched('training.validationSplit') ? `${trialLabel}: ` : ''}r2 is undefined on fewer than 2 rows, and ${body.folds === undefined ? `the held-out share (validationSplit ${data.training.validationSplit}) of ${counted(rows, 'row')}` : `the smallest of ${body.folds} folds of ${counted(rows, 'row')}`} ` +
        `holds ${counted(scored, 'row')}: ${body.folds === undefined ? 'raise validationSplit' : 'use fewer folds'}, or rank by mean_squared_error`, body.folds === undefined ? 'training.validationSplit' : 'folds')
    }
  }
}

/**
 * The signatures the sweep's best model may have: any trial may be the best. Usually one (a search over
 * hidden layers and training options keeps the columns and the head), and then no trial is named.
 */
function distinctSignatures (trials: readonly SweepTrial[], meta: DatasetMeta): Array<{ signature: ModelSignature, label?: string }> {
  const distinct = new Map<string, { signature: ModelSignature, label: string }>()
  trials.forEach((trial, i) => {
    const signature = signatureOfJob(trial.job.network, meta)
    const key = JSON.stringify(signature)
    if (!distinct.has(key)) distinct.set(key, { signature, label: `trial ${i} (${JSON.stringify(trial.params)})` })
  })
  const all = [...distinct.values()]
  return all.length === 1 ? [{ signature: all[0].signature }] : all
}

/** The sweep's record (ids minted, every trial admitted), or a coded error that says what to change. */
export async function admitSweep (body: CreateSweepBody, deps: AdmissionDeps & { sweepLimits: SweepLimits }): Promise<SweepRecord> {
  const meta = await deps.datasets.get(body.datasetId, deps.tenant)
  if (!meta) throw new DATASET_NOT_FOUND(body.datasetId)
  const folds = body.folds ?? null
  // Ray Tune repeats a grid num_samples times, each run with a seed of its own; here the seed is the base
  // job's, so every repeat would train the same configuration to the same score
  if (body.trials > 1 && Object.values(body.searchSpace).every((d) => d.type === 'grid')) {
    throw withProblem(new VALIDATION(`trials: ${body.trials} draws of a search space with no random field (${Object.keys(body.searchSpace).length === 0 ? 'it is empty' : 'every field is a grid'}) ` +
      'would train the same configuration, seed and all, to the same score each time: leave trials out, or search a random field (choice, uniform, loguniform, randint), ' +
      'such as "training.seed": {"type": "randint", "low": 0, "high": 1000000} to repeat each configuration with seeds of its own'), { field: 'trials' })
  }
  // a field searched inside another searched field: one would overwrite the other, and the results would name values that never ran
  const paths = Object.keys(body.searchSpace)
  const inner = paths.find((p) => paths.some((outer) => p.startsWith(`${outer}.`)))
  if (inner !== undefined) {
    const outer = paths.find((o) => inner.startsWith(`${o}.`))!
    throw withProblem(new VALIDATION(`searchSpace: ${inner} lies inside ${outer}, which is searched too, so one would overwrite the other: search one of them`), { field: `searchSpace.${inner}` })
  }
  // a grid value listed twice trains the same configuration twice, seed and all, and ranks it twice
  for (const [path, d] of Object.entries(body.searchSpace)) {
    const twice = repeatedGridValue(d)
    if (twice !== undefined) {
      throw withProblem(new VALIDATION(`searchSpace: the grid of ${path} lists ${JSON.stringify(twice)} twice, and a repeat trains alike, seed and all, and takes a second place in the ranking: list each value once`), { field: `searchSpace.${path}.values` })
    }
  }
  const random = randomConfigurations(body.searchSpace)
  if (body.trials > random.count) {
    throw withProblem(new VALIDATION(`trials: ${body.trials} draws of random fields that hold ${random.count} distinct configurations (${random.product}) would repeat some, ` +
      `and a repeat trains alike, seed and all: send at most ${random.count} trials, make the fields grids to try every combination once, or search a continuous field (uniform, loguniform)`), { field: 'trials' })
  }
  const count = trialCount(body.searchSpace, body.trials)
  const jobs = count * (folds ?? 1)
  if (jobs > deps.sweepLimits.MAX_SWEEP_JOBS) {
    throw unprocessable(`the sweep is ${count} trials${folds ? ` × ${folds} folds` : ''} = ${jobs} training jobs; the limit is ${deps.sweepLimits.MAX_SWEEP_JOBS} (MAX_SWEEP_JOBS): ` +
      'search fewer values, draw fewer trials or use fewer folds', 'searchSpace')
  }
  if (folds !== null && meta.rows < folds) throw unprocessable(`${folds} folds need at least ${folds} rows; dataset '${meta.id}' has ${counted(meta.rows, 'row')}`, 'folds')
  const network = Object.keys(body.searchSpace).find((p) => p.startsWith('network.'))
  if (network && body.network === undefined) throw withProblem(new VALIDATION(`searchSpace field ${network} needs an inline network (give network, not networkId)`), { field: 'searchSpace' })

  const given = Object.fromEntries(Object.entries({ datasetId: body.datasetId, network: body.network, networkId: body.networkId, training: body.training, missing: body.missing })
    .filter(([, v]) => v !== undefined))
  // values are written over the base with its defaults filled in, so that `training.optimizer.learningRate`
  // can be searched without naming an optimizer (a base that is valid only with the searched fields stays as given)
  const defaulted = CreateTrainingJobRequest.safeParse(given)
  const base: Record<string, unknown> = defaulted.success ? { ...defaulted.data } : given
  const id = randomUUID().replaceAll('-', '')
  let work = 0
  const trials: SweepTrial[] = []
  const admitted = new Map<string, number>()
  const headSearched = Object.keys(body.searchSpace).some((p) => p.startsWith('network.output'))
  for (const [trial, params] of expandSearchSpace(body.searchSpace, body.trials, body.seed).entries()) {
    const label = `trial ${trial} (${JSON.stringify(params)})`
    let raw: Record<string, unknown>
    try {
      raw = applyParams(base, params)
    } catch (err) {
      throw withProblem(new VALIDATION(`${label}: ${(err as Error).message}`), { field: 'searchSpace' })
    }
    const parsed = CreateTrainingJobRequest.safeParse(raw)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      // an unknown key is at its own path (training.lr, not training); one the search space put there is the search space's
      const path = [...issue.path, ...(issue.code === 'unrecognized_keys' ? issue.keys.slice(0, 1) : [])].join('.')
      const field = Object.hasOwn(body.searchSpace, path) ? `searchSpace.${path}` : path
      throw withProblem(new VALIDATION(`${label}: ${issue.path.join('.')}: ${issue.message}`), { field })
    }
    let data: TrainJobData
    try {
      data = await admitTrainingJob(parsed.data, deps)
    } catch (err) {
      if (err instanceof Error && 'statusCode' in err) err.message = `${label}: ${err.message}`
      throw err
    }
    checkScorable(data, body, label, meta.rows)
    // a searched head may read the targets otherwise; the trial is named only then
    const headLabel = headSearched ? `${label}: ` : ''
    if (folds !== null) refuseThinClasses(meta, folds, data.network, headLabel)
    refuseUnscorableAuc(meta, body, data.network, headLabel)
    // two trials that admit to one job train alike and rank twice: compared with the defaults admission fills
    // and the optimizer's own written out ({type: adam} is {type: adam, learningRate: 0.001, beta1: 0.9, …})
    const key = canonical({ ...data, training: { ...data.training, optimizer: withOptimizerDefaults(data.training.optimizer) } })
    const same = admitted.get(key)
    if (same !== undefined) {
      throw withProblem(new VALIDATION(`${label} trains what trial ${same} trains: their values are the same once defaults are filled in, so it would train alike, seed and all, ` +
        'and take a second place in the ranking: list each configuration once'), { field: 'searchSpace' })
    }
    admitted.set(key, trial)
    work += data.training.epochs * meta.rows * parameterCount(data.network) * (folds ?? 1)
    trials.push({ params, job: data, jobIds: Array.from({ length: folds ?? 1 }, (_, f) => `job_${id}_t${trial}f${f}`) })
  }
  if (work > deps.sweepLimits.MAX_SWEEP_WORK) {
    const [shown, limit] = overLimit(work, deps.sweepLimits.MAX_SWEEP_WORK)
    throw unprocessable(`the sweep's training jobs add up to ${shown} (Σ epochs × rows × parameters); the limit is ${limit} (MAX_SWEEP_WORK): ` +
      'search fewer or smaller configurations', 'searchSpace')
  }
  if (body.refit && body.modelName !== undefined) {
    await checkSignatureKept({ models: deps.models, tenant: deps.tenant, name: body.modelName, allowChange: body.allowSignatureChange === true, subject: 'this sweep\'s best model', ...BODY_OPT_IN },
      distinctSignatures(trials, meta))
  }
  return {
    id: `swp_${id}`,
    ...(deps.tenant !== undefined ? { tenant: deps.tenant } : {}),
    datasetId: body.datasetId,
    metric: body.metric,
    greaterIsBetter: body.greaterIsBetter ?? GREATER_IS_BETTER[body.metric],
    folds,
    seed: body.seed,
    refit: body.refit,
    ...(body.modelName !== undefined ? { modelName: body.modelName } : {}),
    trials,
    createdAt: new Date().toISOString()
  }
}
