/**
 * Admission of a training job, before anything is queued: resolve the network (inline, saved, or the
 * model to fine-tune), check it against the dataset's widths and targets, and apply the configured
 * limits (MAX_EPOCHS, MAX_PARAMETERS, MAX_JOB_WORK); a new version of a model name keeps its signature
 * unless the job opts out (model-signature.ts). Errors are 4xx with what to change.
 */
import type { Config } from '../config.js'
import { BAD_NETWORK, DATASET_NOT_FOUND, MODEL_NOT_FOUND, NETWORK_NOT_FOUND, TOO_MANY_PARAMETERS, UNPROCESSABLE, VALIDATION, withProblem } from '../errors.js'
import { checkSpec, checkTrainable, parameterCount, type NetworkSpec } from '../nn/spec.js'
import { batchSizeFor, type CreateTrainingJobBody, type TrainJobData } from '../schemas/training.js'
import { holdoutSize } from '../nn/dataset.js'
import { oneRowMinibatch } from '../nn/minibatch-rows.js'
import type { DatasetMeta, DatasetRepository } from '../store/datasets.js'
import type { ModelRecord, ModelRepository } from '../store/models.js'
import type { NetworkRepository } from '../store/networks.js'
import { withModelRef } from '../store/model-ref.js'
import { BODY_OPT_IN, checkSignatureKept, signatureOfJob } from './model-signature.js'
import { codesHint, headTargets, unitsFor, type HeadTargetsError } from '../data/class-heads.js'
import { checkClassWeight } from '../data/class-weights.js'
import { grouped, overLimit } from './work-text.js'
import { headOf } from '../nn/heads.js'
import { datasetColumns } from '../data/dataset-columns.js'
import { encodedWidth, type FeatureColumn } from '../data/feature-columns.js'
import type { MissingValues } from '../data/missing.js'
import type { NormalizationKind } from '../data/normalize.js'
import { counted } from '../nn/counted.js'

export type AdmissionLimits = Pick<Config, 'MAX_EPOCHS' | 'MAX_PARAMETERS' | 'MAX_JOB_WORK'>

export interface AdmissionDeps {
  readonly datasets: DatasetRepository
  readonly networks: NetworkRepository
  readonly models: ModelRepository
  readonly limits: AdmissionLimits
  /** The caller's tenant: it sees only its own dataset, network and model, and the job is recorded under it. */
  readonly tenant?: string
}

const badNetwork = (field: string, message: string): Error => withProblem(new BAD_NETWORK(message), { field })

/** A dataset of one class is the dataset's problem (422, as a constant sigmoid column is below); any other misfit is the network's (400). */
const headError = (e: HeadTargetsError, field: string): Error =>
  e.ofDataset ? withProblem(new UNPROCESSABLE(e.error), { field: 'datasetId' }) : badNetwork(field, e.error)

/** The network as given: an inline one may leave inputs and output.units to the dataset (completeNetwork). */
type GivenNetwork = Omit<NetworkSpec, 'inputs' | 'output'> & { inputs?: number, output: Omit<NetworkSpec['output'], 'units'> & { units?: number } }

async function resolveNetwork (body: CreateTrainingJobBody, deps: AdmissionDeps): Promise<{ spec: GivenNetwork, field: string, parent?: ModelRecord }> {
  if (body.network) return { spec: body.network, field: 'network' }
  if (body.networkId !== undefined) {
    const record = await deps.networks.get(body.networkId, deps.tenant)
    if (!record) throw new NETWORK_NOT_FOUND(body.networkId)
    return { spec: record.spec, field: 'networkId' }
  }
  // any model reference (store/model-ref.ts), as the routes read them; the job keeps the id it resolved to,
  // so that it fine-tunes the model admitted even if a newer version of the name appears before it runs
  const ref = body.initialModelId!
  const model = await withModelRef(deps.models, ref, deps.tenant, (id) => deps.models.get(id, deps.tenant))
    .catch((err: unknown) => { throw err instanceof MODEL_NOT_FOUND ? withProblem(err, { field: 'initialModelId' }) : err })
  return { spec: model.network, field: 'initialModelId', parent: model }
}

/**
 * Fills what the network left out from the dataset, and checks what it gave: the input width (the
 * encoded features) and the head against the targets (data/class-heads.ts), each wrong number
 * answered with the number it should be and why.
 */
function completeNetwork (given: GivenNetwork, meta: DatasetMeta, field: string): NetworkSpec {
  const columns = datasetColumns(meta)
  const width = encodedWidth(columns)
  const inputs = given.inputs ?? width
  if (inputs !== width) {
    const categorical = columns.filter((c) => c.kind === 'categorical')
    const why = categorical.length === 0
      ? `${counted(meta.inputs, 'feature column')} (${meta.featureNames.join(', ')})`
      : `${counted(width, 'input')}: ${counted(columns.length - categorical.length, 'numeric column')} and ${counted(width - columns.length + categorical.length, 'one-hot column')} for the categories of ${categorical.map((c) => `${c.name} (${c.categories!.length})`).join(', ')}`
    throw badNetwork(`${field}.inputs`, `the network takes ${counted(inputs, 'input')}; dataset '${meta.id}' has ${why}`)
  }
  if (given.output.units !== undefined) return { ...given, inputs, output: { ...given.output, units: given.output.units } }
  const spec = { ...given, inputs, output: { ...given.output, units: unitsFor(given.output.activation, meta) } }
  // units taken from targets the head cannot learn (a softmax on a regression target of many values) would
  // be refused for their number ("at least 2 units"); the reason is the targets, so that is what is said
  const how = headTargets(spec, meta)
  if ('error' in how) throw headError(how, `${field}.output`)
  return spec
}

/** Widths and the head against what the dataset's targets are (checked on its stored statistics). */
function checkFits (spec: NetworkSpec, meta: DatasetMeta, field: string, parent?: ModelRecord): void {
  const how = headTargets(spec, meta)
  if ('error' in how) throw headError(how, field)
  // stored columns a head takes as probabilities (sigmoid units) must be probabilities, and each must hold both classes
  const probabilities = headOf(spec).targets === 'probabilities' && how.kind === 'as-stored'
  if (probabilities && meta.targetStats.some((s) => s.min < 0 || s.max > 1)) {
    const codes = codesHint(meta)
    throw badNetwork(field, `a sigmoid output needs targets in [0, 1] (or two integer class codes for 1 unit); dataset '${meta.id}' has targets outside it` +
      (codes === '' ? ': use an identity output' : `${codes}, or an identity output to regress on the values`))
  }
  // a class column that never changes teaches nothing; label uploads already need two classes, 0/1 columns do not
  const constant = probabilities ? meta.targetStats.findIndex((s) => s.min === s.max) : -1
  if (constant >= 0) {
    const name = meta.targetNames[constant] ?? `y${constant}`
    throw withProblem(new UNPROCESSABLE(`target column '${name}' of dataset '${meta.id}' is ${meta.targetStats[constant].min} in every row, ` +
      'so it holds only one class; a sigmoid output needs rows of both classes (0 and 1) in each column'), { field: 'datasetId' })
  }
  const classes = 'classes' in how ? how.classes : undefined
  if (parent?.classes && classes && parent.classes.join('\u0000') !== classes.join('\u0000')) {
    throw badNetwork(field, `the model was trained on classes ${parent.classes.join(', ')}; dataset '${meta.id}' has ${classes.join(', ')}`)
  }
  if (parent) checkSameColumns(parent, datasetColumns(meta), meta.id)
}

/** Fine-tuning keeps the parent's encoding: the dataset's categorical columns must have the same categories. */
function checkSameColumns (parent: ModelRecord, columns: FeatureColumn[], id: string): void {
  const before = parent.preprocessing?.columns
  if (!before) return
  columns.forEach((col, c) => {
    const was = before[c]
    if (was && (was.kind !== col.kind || (was.categories ?? []).join('\u0000') !== (col.categories ?? []).join('\u0000'))) {
      throw badNetwork('initialModelId', `column '${col.name}' of dataset '${id}' is ${col.kind}${col.categories ? ` (${col.categories.join(', ')})` : ''}; ` +
        `the model was trained on it as ${was.kind}${was.categories ? ` (${was.categories.join(', ')})` : ''}: fine-tuning needs the same encoding`)
    }
  })
}

/** The missing-value strategy of the job (else the dataset's); `error` with missing cells is refused with the fix. */
function missingFor (body: CreateTrainingJobBody, meta: DatasetMeta): MissingValues | undefined {
  const missing = body.missing ?? meta.missing
  if (missing && missing.strategy !== 'error') return missing
  const gaps = datasetColumns(meta).filter((c) => c.missing > 0)
  if (gaps.length > 0) {
    throw withProblem(new UNPROCESSABLE(`dataset '${meta.id}' has missing cells (${gaps.map((c) => `${c.name}: ${c.missing}`).join(', ')}); ` +
      'choose how to fill them: "missing": {"strategy": "mean"} (or median, most_frequent, constant)'), { field: 'missing' })
  }
  return undefined
}

function checkLimits (spec: NetworkSpec, meta: DatasetMeta, epochs: number, limits: AdmissionLimits): void {
  if (epochs > limits.MAX_EPOCHS) {
    throw withProblem(new UNPROCESSABLE(`training.epochs is ${epochs}; the limit is ${limits.MAX_EPOCHS} (MAX_EPOCHS)`), { field: 'training.epochs' })
  }
  const parameters = parameterCount(spec)
  if (parameters > limits.MAX_PARAMETERS) throw new TOO_MANY_PARAMETERS(grouped(parameters), grouped(limits.MAX_PARAMETERS))
  const work = epochs * meta.rows * parameters
  if (work > limits.MAX_JOB_WORK) {
    const [shown, limit] = overLimit(work, limits.MAX_JOB_WORK)
    throw new UNPROCESSABLE(`the job is ${grouped(epochs)} epochs × ${grouped(meta.rows)} rows × ${grouped(parameters)} parameters = ${shown}; ` +
      `the limit is ${limit} (MAX_JOB_WORK): train fewer epochs, on fewer rows or a smaller network`)
  }
}

/**
 * Batch norm and a training minibatch of one row (nn/minibatch-rows.ts), refused with the batch size
 * to use where the training rows are known here: no validation split, or an unstratified one (a
 * regression head). A stratified split's size depends on each class's rows, which only the worker
 * reads: there train() refuses it the same way, and the job fails with the same message.
 */
function checkMinibatches (spec: NetworkSpec, meta: DatasetMeta, training: CreateTrainingJobBody['training']): void {
  const fraction = training.validationSplit
  if (fraction > 0 && headOf(spec).classCount(spec.output.units) > 0) return
  const rows = fraction > 0 ? meta.rows - holdoutSize(meta.rows, fraction) : meta.rows
  const why = oneRowMinibatch(spec, rows, batchSizeFor(training.batchSize, meta.rows))
  if (why !== null) throw withProblem(new VALIDATION(why), { field: 'training.batchSize' })
}

/**
 * The job's feature scaling: the one asked for (default standard), or for a fine-tune its model's, which its
 * weights expect (an imported model without one takes raw inputs: none). A fine-tune that asks for another is
 * refused: it was applied as the model's and recorded as asked.
 */
function normalizeFor (asked: NormalizationKind | undefined, parent: ModelRecord | undefined): NormalizationKind {
  if (!parent) return asked ?? 'standard'
  const kept = parent.normalization?.kind ?? 'none'
  if (asked !== undefined && asked !== kept) {
    throw withProblem(new VALIDATION(`training.normalize: a fine-tune keeps the scaling its model was trained with ('${kept}'${kept === 'none' ? '' : ', fitted on that model\'s training rows'}), ` +
      `which its weights expect; leave training.normalize out, or set it to '${kept}'`), { field: 'training.normalize' })
  }
  return kept
}

/** The job data to enqueue, or a coded error that says what to change. */
export async function admitTrainingJob (body: CreateTrainingJobBody, deps: AdmissionDeps): Promise<TrainJobData> {
  const meta = await deps.datasets.get(body.datasetId, deps.tenant)
  if (!meta) throw new DATASET_NOT_FOUND(body.datasetId)
  const given = await resolveNetwork(body, deps)
  const { field, parent } = given
  const spec = completeNetwork(given.spec, meta, field)
  try {
    checkSpec(spec)
    checkTrainable(spec)
  } catch (err) {
    if (err instanceof RangeError) throw badNetwork(field, err.message)
    throw err
  }
  checkFits(spec, meta, field, parent)
  if (body.training.classWeight !== undefined) {
    const how = headTargets(spec, meta)
    checkClassWeight(body.training.classWeight, spec.output.activation, 'classes' in how ? how.classes : undefined, spec.output.units)
  }
  const missing = missingFor(body, meta)
  checkLimits(spec, meta, body.training.epochs, deps.limits)
  checkMinibatches(spec, meta, body.training)
  if (body.modelName !== undefined) {
    await checkSignatureKept({ models: deps.models, tenant: deps.tenant, name: body.modelName, allowChange: body.allowSignatureChange === true, subject: 'this job\'s model', ...BODY_OPT_IN },
      [{ signature: signatureOfJob(spec, meta) }])
  }
  return {
    datasetId: body.datasetId,
    network: spec,
    ...(body.networkId !== undefined ? { networkId: body.networkId } : {}),
    ...(parent ? { initialModelId: parent.id } : {}),
    training: { ...body.training, normalize: normalizeFor(body.training.normalize, parent) },
    ...(missing ? { missing } : {}),
    ...(body.modelName !== undefined ? { modelName: body.modelName } : {}),
    ...(deps.tenant !== undefined ? { tenant: deps.tenant } : {})
  }
}
