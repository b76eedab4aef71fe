/**
 * The API's response shapes as the console reads them (src/schemas/*.ts is the source). Fields other
 * branches are adding (column kinds, bestEpoch, stopReason, evaluation) are optional: the console
 * shows them when present and says "not available" when a route is missing.
 */
export interface Page<T> { items: T[], total?: number, offset?: number, limit?: number }

export interface ColumnStats {
  name: string, mean: number, std: number, min: number, max: number
  kind?: 'numeric' | 'categorical', categories?: string[], missing?: number
}

export interface Dataset {
  id: string, name: string, rows: number, inputs: number, outputs: number
  featureNames: string[], targetNames: string[], classes?: string[], createdAt: string
  /** a numeric target's distinct values, when there are few (the classes a softmax head would learn) */
  targetValues?: number[]
  columns: ColumnStats[], targetColumns: ColumnStats[], bytes: number
  /** what the upload holds that it most likely did not mean (ids, dates, integers float32 merges) */
  warnings?: string[]
}

export interface Epoch { epoch: number, loss: number, valLoss?: number, accuracy?: number, valAccuracy?: number, learningRate?: number }

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled'

export interface Job {
  id: string, status: JobStatus, progress: { epoch: number, epochs: number }, history?: Epoch[]
  datasetId: string, modelName?: string, modelId?: string, error?: string
  createdAt: string, startedAt?: string, finishedAt?: string, cancelRequestedAt?: string, stopRequestedAt?: string
  /** more than one attempt ran it (a worker crashed or was stopped), and the epoch the latest resumed from */
  attempts?: number, resumedFromEpoch?: number, threads?: number
  bestEpoch?: number | null, stoppedEpoch?: number, weightsEpoch?: number, stopReason?: string, warnings?: string[]
  /** as the server admitted them: the network resolved against the dataset, the options with their defaults */
  network?: NetworkSpec
  training?: TrainingOptions
  /** a sweep's child: its sweep, trial and fold, numbered from 0 as the sweep's results are */
  sweep?: { id: string, trial: number, fold?: { k: number, index: number } }
}

/** A job's training options (src/schemas/training.ts TrainingOptions), defaults filled in by the server. */
export interface TrainingOptions {
  epochs?: number, batchSize?: number, optimizer?: { type: string, learningRate: number, momentum?: number, weightDecay?: number }
  schedule?: { type: string }, validationSplit?: number, earlyStopping?: { patience: number, minDelta?: number } | false
  shuffle?: boolean, seed?: number, normalize?: string
}

/** A hidden layer or the output (src/nn/spec.ts): Linear → Norm → Activation → Dropout, and with `residual` a + block(a). */
export interface LayerSpec {
  units: number, activation: string
  /** maxout only: linear pieces per unit (k), default 2 */
  pieces?: number
  norm?: 'layer' | 'batch'
  /** dropout rate p in [0, 1) */
  dropout?: number
  residual?: boolean
}
export interface NetworkSpec { inputs: number, layers: LayerSpec[], output: LayerSpec, l2?: number }

export interface Model {
  id: string, name: string, version: number, network: NetworkSpec, parameterCount: number
  metrics: Record<string, number>, datasetId?: string, jobId?: string, parentModelId?: string
  classes?: string[], featureNames: string[], targetNames: string[], createdAt: string
  /** raw feature columns: categorical ones with their categories (one-hot order), and whether missing cells are imputed */
  preprocessing?: { columns: Array<{ name: string, kind: 'numeric' | 'categorical', categories?: string[] }>, imputer?: { strategy: string } }
  bestEpoch?: number, stoppedEpoch?: number, weightsEpoch?: number, stopReason?: string
  /** rows the weights were fitted on, and those validationSplit held out (absent on imported models) */
  trainRows?: number, validationRows?: number
}

export interface Scores { precision: number, recall: number, f1: number, support: number }

export interface Evaluation {
  modelId: string, datasetId: string, rows: number, task: 'classification' | 'regression' | 'multi-label'
  metrics: {
    accuracy?: number, logLoss?: number, rocAuc?: number | null, classes?: string[], confusionMatrix?: number[][]
    perClass?: (Scores & { label: string })[], macroAvg?: Scores, weightedAvg?: Scores
    hammingLoss?: number, microAvg?: Scores, samplesAvg?: Scores
    perLabel?: (Scores & { label: string, confusionMatrix: number[][], rocAuc: number | null })[]
    mse?: number, rmse?: number, mae?: number, r2?: number
    perOutput?: { name: string, mse: number, rmse: number, mae: number, r2: number }[]
  }
  unknownCategories?: Array<{ field: string, value: string, rows: number }>
}

export interface FoldResult { fold: number | null, jobId: string, status: JobStatus, score?: number, scores?: Record<string, number>, error?: string }

export interface TrialResult {
  trial: number, params: Record<string, unknown>, status: JobStatus
  mean?: number, std?: number, rank?: number, error?: string, folds: FoldResult[]
}

export interface SweepProgress { trialsDone: number, trials: number, jobsDone: number, jobsCancelled?: number, jobs: number }

export interface Sweep {
  id: string, status: JobStatus, datasetId: string, metric: string, greaterIsBetter: boolean, folds: number | null, refit: boolean, modelName?: string
  progress: SweepProgress
  best?: { trial: number, params: Record<string, unknown>, mean: number, std: number }
  retrainJobId?: string, modelId?: string, error?: string, createdAt: string, finishedAt?: string
  /** absent in lists (GET /v1/sweeps) */
  results?: TrialResult[]
}

/** A sweep stream's last event. */
export interface SweepEnd { status: JobStatus, progress: SweepProgress, ranking: number[], best?: Sweep['best'], modelId?: string, error?: string }
