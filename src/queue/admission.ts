/**
 * Admission of a training job, before anything is queued: resolve the network (inline, saved, or the
 * model to fine-tune), check it against the dataset's widths and targets, and apply the configured
 * limits (MAX_EPOCHS, MAX_PARAMETERS, MAX_JOB_WORK). Errors are 4xx with what to change.
 */
import type { Config } from '../config.js'
import { BAD_NETWORK, DATASET_NOT_FOUND, MODEL_NOT_FOUND, NETWORK_NOT_FOUND, TOO_MANY_PARAMETERS, UNPROCESSABLE, withProblem } from '../errors.js'
import { checkSpec, checkTrainable, parameterCount, type NetworkSpec } from '../nn/spec.js'
import type { CreateTrainingJobBody, TrainJobData } from '../schemas/training.js'
import type { DatasetMeta, DatasetRepository } from '../store/datasets.js'
import type { ModelRepository } from '../store/models.js'
import type { NetworkRepository } from '../store/networks.js'
import { isBinaryLabelHead } from '../data/binary-labels.js'

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

async function resolveNetwork (body: CreateTrainingJobBody, deps: AdmissionDeps): Promise<{ spec: NetworkSpec, field: string, classes?: string[] }> {
  if (body.network) return { spec: body.network, field: 'network' }
  if (body.networkId !== undefined) {
    const record = await deps.networks.get(body.networkId, deps.tenant)
    if (!record) throw new NETWORK_NOT_FOUND(body.networkId)
    return { spec: record.spec, field: 'networkId' }
  }
  const model = await deps.models.get(body.initialModelId!, deps.tenant)
  if (!model) throw new MODEL_NOT_FOUND(body.initialModelId!)
  return { spec: model.network, field: 'initialModelId', ...(model.classes ? { classes: model.classes } : {}) }
}

/** Widths and the head against what the dataset's targets are (checked on its stored statistics). */
function checkFits (spec: NetworkSpec, meta: DatasetMeta, field: string, parentClasses?: string[]): void {
  if (spec.inputs !== meta.inputs) {
    throw badNetwork(field, `the network takes ${spec.inputs} inputs; dataset '${meta.id}' has ${meta.inputs} feature columns (${meta.featureNames.join(', ')})`)
  }
  // two class labels can also be learned by one sigmoid unit (logistic regression): its target is classes[1]
  const binary = isBinaryLabelHead(spec, meta.classes, meta.outputs)
  if (spec.output.units !== meta.outputs && !binary) {
    const what = meta.classes ? `${meta.outputs} classes (${meta.classes.join(', ')})` : `${meta.outputs} target columns`
    throw badNetwork(field, `the network has ${spec.output.units} output units; dataset '${meta.id}' has ${what}`)
  }
  const head = spec.output.activation
  if (head === 'softmax' && !meta.classes) {
    throw badNetwork(field, `a softmax output needs class labels; dataset '${meta.id}' has numeric targets: use an identity output for regression`)
  }
  if (head === 'sigmoid' && meta.targetStats.some((s) => s.min < 0 || s.max > 1)) {
    throw badNetwork(field, `a sigmoid output needs targets in [0, 1]; dataset '${meta.id}' has targets outside it: use an identity output`)
  }
  // a class column that never changes teaches nothing; label uploads already need two classes, 0/1 columns do not
  const constant = head === 'sigmoid' && !binary ? meta.targetStats.findIndex((s) => s.min === s.max) : -1
  if (constant >= 0) {
    const name = meta.targetNames[constant] ?? `y${constant}`
    throw withProblem(new UNPROCESSABLE(`target column '${name}' of dataset '${meta.id}' is ${meta.targetStats[constant].min} in every row, ` +
      'so it holds only one class; a sigmoid output needs rows of both classes (0 and 1) in each column'), { field: 'datasetId' })
  }
  if (parentClasses && meta.classes && parentClasses.join('\u0000') !== meta.classes.join('\u0000')) {
    throw badNetwork(field, `the model was trained on classes ${parentClasses.join(', ')}; dataset '${meta.id}' has ${meta.classes.join(', ')}`)
  }
}

function checkLimits (spec: NetworkSpec, meta: DatasetMeta, epochs: number, limits: AdmissionLimits): void {
  if (epochs > limits.MAX_EPOCHS) {
    throw withProblem(new UNPROCESSABLE(`training.epochs is ${epochs}; the limit is ${limits.MAX_EPOCHS} (MAX_EPOCHS)`), { field: 'training.epochs' })
  }
  const parameters = parameterCount(spec)
  if (parameters > limits.MAX_PARAMETERS) throw new TOO_MANY_PARAMETERS(parameters, limits.MAX_PARAMETERS)
  const work = epochs * meta.rows * parameters
  if (work > limits.MAX_JOB_WORK) {
    throw new UNPROCESSABLE(`the job is ${epochs} epochs × ${meta.rows} rows × ${parameters} parameters = ${work}; ` +
      `the limit is ${limits.MAX_JOB_WORK} (MAX_JOB_WORK): train fewer epochs, on fewer rows or a smaller network`)
  }
}

/** The job data to enqueue, or a coded error that says what to change. */
export async function admitTrainingJob (body: CreateTrainingJobBody, deps: AdmissionDeps): Promise<TrainJobData> {
  const meta = await deps.datasets.get(body.datasetId, deps.tenant)
  if (!meta) throw new DATASET_NOT_FOUND(body.datasetId)
  const { spec, field, classes } = await resolveNetwork(body, deps)
  try {
    checkSpec(spec)
    checkTrainable(spec)
  } catch (err) {
    if (err instanceof RangeError) throw badNetwork(field, err.message)
    throw err
  }
  checkFits(spec, meta, field, classes)
  checkLimits(spec, meta, body.training.epochs, deps.limits)
  return {
    datasetId: body.datasetId,
    network: spec,
    ...(body.networkId !== undefined ? { networkId: body.networkId } : {}),
    ...(body.initialModelId !== undefined ? { initialModelId: body.initialModelId } : {}),
    training: body.training,
    ...(body.modelName !== undefined ? { modelName: body.modelName } : {}),
    ...(deps.tenant !== undefined ? { tenant: deps.tenant } : {})
  }
}
