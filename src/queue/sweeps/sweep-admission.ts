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
import { CLASSIFICATION_METRICS, GREATER_IS_BETTER, type CreateSweepBody } from '../../schemas/sweep.js'
import { CreateTrainingJobRequest, type TrainJobData } from '../../schemas/training.js'
import type { DatasetMeta } from '../../store/datasets.js'
import type { SweepRecord, SweepTrial } from '../../store/sweeps.js'
import { applyParams, expandSearchSpace, randomConfigurations, trialCount } from '../../sweeps/search-space.js'
import { admitTrainingJob, type AdmissionDeps } from '../admission.js'
import { BODY_OPT_IN, checkSignatureKept, signatureOfJob, type ModelSignature } from '../model-signature.js'
import { counted } from '../../nn/counted.js'
import { overLimit } from '../work-text.js'

export type SweepLimits = Pick<Config, 'MAX_SWEEP_JOBS' | 'MAX_SWEEP_WORK'>

const unprocessable = (message: string, field: string): Error => withProblem(new UNPROCESSABLE(message), { field })

/**
 * Stratified folds put every class in every fold, so each class needs at least k rows (scikit-learn's
 * StratifiedKFold warns, and with fewer rows than folds in every class refuses). Labelled datasets
 * only: their one-hot target columns' means give the class counts.
 */
function refuseThinClasses (meta: DatasetMeta, folds: number): void {
  if (!meta.classes || meta.targetStats.length !== meta.classes.length) return
  const counts = meta.targetStats.map((s) => Math.round(s.mean * meta.rows))
  const least = counts.indexOf(Math.min(...counts))
  if (counts[least] < folds) {
    throw unprocessable(`${folds} stratified folds need every class in every fold, and class '${meta.classes[least]}' has ${counted(counts[least], 'row')}: ` +
      `use at most ${counted(counts[least], 'fold')}`, 'folds')
  }
}

/**
 * Checks a trial's job against what the sweep scores: the metric's kind, and rows held out without folds.
 * The trial is named only when the search space reaches the field at fault: else the fault is the
 * sweep's own, in every trial, and trial 0's learning rate has nothing to do with it.
 */
function checkScorable (data: TrainJobData, body: CreateSweepBody, trialLabel: string): void {
  const searched = (prefix: string): boolean => Object.keys(body.searchSpace).some((p) => p.startsWith(prefix))
  const head = data.network.output.activation
  const label = searched('network.output') ? `${trialLabel}: the` : 'the'
  const classifies = head === 'softmax' || head === 'sigmoid'
  if (CLASSIFICATION_METRICS.includes(body.metric) !== classifies) {
    throw unprocessable(`${label} metric '${body.metric}' is for ${classifies ? 'regression' : 'classification'}; ${head === 'identity' ? 'an' : 'a'} ${head} output is scored by ` +
      `${classifies ? 'accuracy or log_loss' : 'r2, mean_squared_error or mean_absolute_error'}`, 'metric')
  }
  if (body.metric === 'log_loss' && head === 'sigmoid' && data.network.output.units > 1) {
    throw unprocessable(`${label} metric log_loss needs one class per row (a softmax or a single sigmoid unit); this network has ${data.network.output.units} sigmoid outputs: use accuracy`, 'metric')
  }
  if (body.folds === undefined && data.training.validationSplit === 0) {
    throw unprocessable(`${searched('training.validationSplit') ? `${trialLabel}: ` : ''}without folds a trial is scored on its validation rows, and training.validationSplit is 0: set it above 0, or give folds`, 'training.validationSplit')
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
  if (folds !== null) refuseThinClasses(meta, folds)
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
    checkScorable(data, body, label)
    work += data.training.epochs * meta.rows * parameterCount(data.network) * (folds ?? 1)
    trials.push({ params, job: data, jobIds: Array.from({ length: folds ?? 1 }, (_, f) => `job_${id}_t${trial}f${f}`) })
  }
  if (work > deps.sweepLimits.MAX_SWEEP_WORK) {
    const [shown, limit] = overLimit(work, deps.sweepLimits.MAX_SWEEP_WORK)
    throw unprocessable(`the sweep's training jobs add up to ${shown} (Σ epochs × rows × parameters); the limit is ${limit} (MAX_SWEEP_WORK): ` +
      'search fewer or smaller configurations', 'searchSpace')
  }
  await checkSignatureKept({ models: deps.models, tenant: deps.tenant, name: body.modelName, allowChange: body.allowSignatureChange === true, subject: 'this sweep\'s best model', ...BODY_OPT_IN },
    distinctSignatures(trials, meta))
  return {
    id: `swp_${id}`,
    ...(deps.tenant !== undefined ? { tenant: deps.tenant } : {}),
    datasetId: body.datasetId,
    metric: body.metric,
    greaterIsBetter: body.greaterIsBetter ?? GREATER_IS_BETTER[body.metric],
    folds,
    seed: body.seed,
    modelName: body.modelName,
    trials,
    createdAt: new Date().toISOString()
  }
}
