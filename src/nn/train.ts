/**
 * The training loop: epochs → minibatches → the batch gradient. Pure and deterministic: every random
 * choice comes from the seed, progress leaves through onEpoch, and the state at any epoch boundary
 * (weights, optimiser, schedule, PRNG, early-stopping bookkeeping) resumes the run exactly as if it
 * had never stopped. The batch gradient is pluggable so the parallel engine reuses this loop.
 */
import { allocate, copyInto, copyOf, type Vec } from './vec.js'
import { checkTrainable, type NetworkSpec } from './spec.js'
import { Rng, type RngState } from './random.js'
import { createNetwork, createWorkspace, headLoss, forward, l2Penalty, type Network, type Workspace } from './network.js'
import { createOptimizer, type Optimizer, type OptimizerConfig, type OptimizerState, type StateAllocator } from './optimizers.js'
import { createSchedule, type Schedule, type ScheduleConfig, type ScheduleState } from './schedules.js'
import { checkDatasetFits, classLabels, splitRows, takeRows, type Dataset } from './dataset.js'
import { SHARD_ROWS, sequentialGradient, type BatchGradient } from './gradient.js'
import { headOf, type Head } from './heads.js'
import { tsKernels, type Kernels } from './ops.js'
import { hasBatchNorm, sequentialLockstepGradient } from './lockstep.js'
import { oneRowMinibatch } from './minibatch-rows.js'
import { firstNonFinite, nonFiniteReason, parameterName } from './finite.js'
import { zeroColumns, zeroInputWeights } from './unexercised-inputs.js'

export interface EarlyStopping { patience: number, minDelta?: number }

export interface TrainOptions {
  epochs: number
  batchSize: number
  optimizer: OptimizerConfig
  schedule?: ScheduleConfig
  /** seeds initialisation, validation split and shuffles (default 0) */
  seed?: number
  shuffle?: boolean
  /** share of rows held out for validation (stratified by class for classification heads) */
  validationSplit?: number
  earlyStopping?: EarlyStopping
}

export interface EpochStats {
  epoch: number
  loss: number
  valLoss?: number
  accuracy?: number
  valAccuracy?: number
  learningRate: number
}

/** `stopped`: a stop was asked for (hooks.finishEarly) and the run ended after the epoch it was in, keeping its weights as a finished run does. */
export type StopReason = 'completed' | 'early_stopping' | 'stopped' | 'diverged' | 'aborted'

/** Everything needed to continue a run from an epoch boundary. */
export interface TrainState {
  epoch: number
  params: Vec
  optimizer: OptimizerState
  schedule: ScheduleState
  rng: RngState
  best: { epoch: number, loss: number, params: Vec } | null
  wait: number
  history: EpochStats[]
}

export interface TrainHooks {
  signal?: { readonly aborted: boolean }
  /**
   * Read after each epoch: when set, the run ends there as a finished one does (stopReason `stopped`),
   * its weights kept (the best epoch's with early stopping), as SageMaker's StopTrainingJob keeps a
   * job's model; an abort (`signal`) keeps nothing.
   */
  finishEarly?: { readonly requested: boolean }
  /**
   * After each epoch; `state()` snapshots the run for a checkpoint. `state({ history: false })` leaves
   * out the epochs' stats (`history` empty), which the caller has had through onEpoch: a checkpoint
   * every few epochs that copied them all cost O(epochs) each, quadratic over a long run (an iris job
   * of 100,000 epochs had its worker's event loop frozen from about epoch 10,000, 2026-11-30). To
   * resume from such a state, put the reported epochs back in its `history`.
   */
  onEpoch?: (stats: EpochStats, state: (opts?: { history?: boolean }) => TrainState) => void
  resume?: TrainState
  /** starting weights (fine-tuning); ignored when resuming */
  initialParams?: Vec
  /** where the live weights are kept (e.g. memory shared with other threads); by default a fresh buffer */
  paramsBuffer?: Vec
  /** where the batch gradient is kept (the engine: the shared slot its threads finish it in, so it is not copied); by default a fresh buffer */
  gradsBuffer?: Vec
  /** the kernels for products, activations and optimiser updates (default: the plain TypeScript reference) */
  kernels?: Kernels
  /**
   * replaces the sequential batch gradient (the parallel engine); trainRows maps training rows to rows
   * of the full data. It may also apply the optimiser's step itself (slice by slice, see
   * Optimizer.begin) and say so in its stats (`stepped`), so that the update runs on every thread.
   */
  gradient?: (net: Network, train: Dataset, trainRows: Int32Array | null, optimizer: Optimizer) => BatchGradient
  /** where the optimiser keeps its state (the engine: memory its threads update slices of) */
  optimizerState?: StateAllocator
}

export interface TrainResult {
  params: Vec
  history: EpochStats[]
  stopReason: StopReason
  /** why it stopped, in words a user can act on */
  message: string
  /** the epoch of the lowest monitored (validation, else training) loss */
  bestEpoch: number | null
  /** the last epoch that ran to its end (0 when none did) */
  stoppedEpoch: number
  /** the epoch whose end-of-epoch weights `params` holds: bestEpoch when early stopping restored them, else stoppedEpoch */
  weightsEpoch: number
  /** things the caller asked for that did not happen as asked, in words (e.g. an empty validation split) */
  warnings: string[]
  state: TrainState
}

export function checkTrainOptions (o: TrainOptions): void {
  if (!(Number.isInteger(o.epochs) && o.epochs >= 1)) throw new RangeError(`epochs must be an integer ≥ 1, got ${o.epochs}`)
  if (!(Number.isInteger(o.batchSize) && o.batchSize >= 1)) throw new RangeError(`batchSize must be an integer ≥ 1, got ${o.batchSize}`)
  const v = o.validationSplit ?? 0
  if (!(v >= 0 && v < 1)) throw new RangeError(`validationSplit must be in [0, 1), got ${v}`)
  if (!(o.optimizer.learningRate > 0 && Number.isFinite(o.optimizer.learningRate))) throw new RangeError(`optimizer.learningRate must be a positive number, got ${o.optimizer.learningRate}`)
}

/** What the caller should know about the split before trusting the metrics (none when it is as asked). */
export function splitWarnings (data: Dataset, opts: TrainOptions, validation: Dataset | null, stratified = false): string[] {
  const fraction = opts.validationSplit ?? 0
  if (fraction === 0) return []
  if (validation === null) {
    const watched = opts.earlyStopping ? ' (early stopping watched the training loss)' : ''
    return [`validationSplit ${fraction} holds out 0 rows of ${data.rows}; trained without validation${watched}`]
  }
  // a split keeps at least one row (of each class of two or more, stratified) for validation: on a
  // few rows that is far more than the share asked for, and the model trains on what is left
  const share = validation.rows / data.rows
  if (share <= Math.max(2 * fraction, fraction + 0.05)) return []
  const why = stratified ? 'each class of 2 rows or more keeps one row for validation' : 'at least one row is held out'
  return [`validationSplit ${fraction} holds out ${validation.rows} of ${data.rows} rows (${Math.round(100 * share)}%): ${why}, so the model trained on ${data.rows - validation.rows}; upload more rows, or set validationSplit 0 to train on all of them`]
}

/** Splits off the validation rows exactly as train() does, so callers can report on them; `stratified` when split class by class. */
export function splitForValidation (spec: NetworkSpec, data: Dataset, opts: TrainOptions): { train: Dataset, validation: Dataset | null, trainRows: Int32Array | null, stratified: boolean } {
  const fraction = opts.validationSplit ?? 0
  if (fraction === 0) return { train: data, validation: null, trainRows: null, stratified: false }
  // a PRNG of its own, so that the split is the same for a fresh and a resumed run
  const labels = classLabels(spec, data)
  const { train, holdout } = splitRows(data.rows, fraction, new Rng((opts.seed ?? 0) ^ 0x5bd1e995), labels)
  return { train: takeRows(data, train), validation: holdout.length > 0 ? takeRows(data, holdout) : null, trainRows: train, stratified: labels !== null }
}

/** Mean loss (+ L2) and accuracy of the network on a dataset, forward only. */
export function evaluateLoss (net: Network, data: Dataset, k: Kernels = tsKernels, chunk = 256, ws: Workspace = createWorkspace(net, Math.min(chunk, data.rows), { forwardOnly: true })): { loss: number, accuracy?: number } {
  const head = headOf(net.spec)
  const K = data.outputs
  let loss = 0, correct = 0
  for (let r = 0; r < data.rows; r += ws.batch) {
    const B = Math.min(ws.batch, data.rows - r)
    const x = data.x.subarray(r * data.inputs, (r + B) * data.inputs)
    const y = data.y.subarray(r * K, (r + B) * K)
    const a = forward(net, ws, x, B, k)
    loss += headLoss(net, ws, y, B)
    correct += head.countCorrect(a, y, B, K)
  }
  return { loss: loss / data.rows + l2Penalty(net), accuracy: accuracyOf(head, correct, data.rows, K) }
}

/** Share of scored predictions that were correct; undefined for a head without accuracy (regression). */
function accuracyOf (head: Head, correct: number, rows: number, K: number): number | undefined {
  const perRow = head.scoredPerRow(K)
  return perRow > 0 ? correct / (rows * perRow) : undefined
}

/** Inputs reaching beyond this magnitude are worth normalising; standardised columns stay within a few units. */
const UNNORMALISED = 10

/**
 * The encoded input column reaching furthest beyond ±UNNORMALISED that is not standardised already (mean near 0,
 * standard deviation near 1: a rarely lit pixel of standardised digits reaches 36, and advising to normalise what
 * the job had normalised misled users), with how far; null when there is none. One pass over the rows.
 */
function unnormalisedInput (data: Dataset): { column: number, reaches: number } | null {
  const I = data.inputs, n = data.rows
  const sum = new Float64Array(I), squares = new Float64Array(I), widest = new Float64Array(I)
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < I; c++) {
      const v = data.x[r * I + c]
      sum[c] += v; squares[c] += v * v
      if (Math.abs(v) > widest[c]) widest[c] = Math.abs(v)
    }
  }
  let found: { column: number, reaches: number } | null = null
  for (let c = 0; c < I; c++) {
    const mean = sum[c] / n, sd = Math.sqrt(Math.max(0, squares[c] / n - mean * mean))
    // loosely: the scaler was fitted on the training rows, and a rare pixel's mean and spread move when the
    // held-out rows join them (one read sd 1.3 on all rows); raw columns far beyond ±10 sit far from 0 and 1
    const standardised = Math.abs(mean) < 0.5 && sd > 0.5 && sd < 2
    if (widest[c] > UNNORMALISED && !standardised && (found === null || widest[c] > found.reaches)) found = { column: c, reaches: widest[c] }
  }
  return found
}

/** The normalising hint of an input column that needs it, or null. */
function normaliseHint (data: Dataset): string | null {
  const wide = unnormalisedInput(data)
  return wide === null ? null : `normalise the inputs (encoded input column ${wide.column + 1} of ${data.inputs} reaches ${wide.reaches.toPrecision(3)})`
}

/**
 * What to change after a divergence: the learning rate, and normalising the inputs only where an input
 * that is not standardised reaches beyond ±UNNORMALISED. Scans the rows only when a run diverged.
 */
function divergenceAdvice (data: Dataset, lr: number): string {
  const hint = normaliseHint(data)
  const lower = `lower the learning rate (now ${lr})`
  return hint === null ? lower : `${lower} or ${hint}`
}

/**
 * The target column of an identity head furthest from standardised (its mean or standard deviation beyond
 * ±UNNORMALISED), with both; null when there is none or the head is not identity. A target of mean 152 and sd 79
 * trained unscaled stalls relu units as inputs of 1e6 do, and was put down to features that predict nothing.
 */
function unscaledTarget (run: Run): { column: number, mean: number, sd: number } | null {
  if (run.net.spec.output.activation !== 'identity') return null
  const { y, rows: n, outputs: K } = run.trainSet
  let found: { column: number, mean: number, sd: number } | null = null
  for (let k = 0; k < K; k++) {
    let sum = 0, squares = 0
    for (let r = 0; r < n; r++) { const v = y[r * K + k]; sum += v; squares += v * v }
    const mean = sum / n, sd = Math.sqrt(Math.max(0, squares / n - mean * mean))
    const size = Math.max(Math.abs(mean), sd)
    if (size > UNNORMALISED && (found === null || size > Math.max(Math.abs(found.mean), found.sd))) found = { column: k, mean, sd }
  }
  return found
}

/**
 * How far the weights moved since the run started, relative to where they started (‖θ − θ₀‖ / ‖θ₀‖); null for a
 * resumed run (it started elsewhere) or weights that started at 0.
 */
function weightsMoved (run: Run): number | null {
  const start = run.startParams
  if (start === null) return null
  const θ = run.net.params
  let moved = 0, size = 0
  for (let i = 0; i < θ.length; i++) { const d = θ[i] - start[i]; moved += d * d; size += start[i] * start[i] }
  return size > 0 ? Math.sqrt(moved / size) : null
}

/** Weights that moved by less than this share of their size learned nothing because their steps were too small. */
const BARELY_MOVED = 1e-3

/** "raise the learning rate" with how little the weights moved in `epochs`, when they barely moved; else null. */
function raiseAdvice (run: Run, epochs: number): string | null {
  const moved = weightsMoved(run)
  if (moved === null || moved >= BARELY_MOVED) return null
  return `raise the learning rate (now ${run.schedule.learningRate(0)}): in ${epochs} epochs the weights moved by ${(100 * moved).toPrecision(2)}% of their size`
}

/** How a run that is no better than a constant ended: by early stopping or not, after how many epochs, at what training loss. */
interface Ending { readonly stoppedEarly: boolean, readonly epochs: number, readonly trainLoss?: number }

/**
 * What to change when the kept weights are no better than a constant. Inputs far from normalised come first
 * (a column of 1e6 stalls every unit), then an identity head's targets far from standardised; weights that barely
 * moved took steps too small (a loss far above the constant's that never left its start was told to lower a
 * learning rate of 1e-7); far above the constant's loss the steps are too big; near it the
 * network is stuck, and the causes this network and data have are named: a deep stack of saturating layers
 * without norm (vanishing gradients), heavy dropout, very few rows; then, where early stopping ended the run,
 * features that do not predict the target, else a learning rate too low for the epochs. Before, every case
 * was told to lower the learning rate.
 */
function stuckAdvice (run: Run, kept: number, constant: number, ending: Ending): string {
  const lr = run.schedule.learningRate(0)
  const far = kept > 2 * constant + 1e-3
  // weights that barely moved took steps too small (a loss far above the constant's that never left its start is not
  // a step too big), unless saturated units explain it: inputs of 1e6, or a deep stack of sigmoids, pass back ~0
  const raise = raiseAdvice(run, ending.epochs)
  const lower = `lower the learning rate (now ${lr})`
  const target = unscaledTarget(run)
  const hint = normaliseHint(run.data) ??
    (target === null ? null : `standardise the targets (target column ${target.column + 1} of ${run.trainSet.outputs} has mean ${target.mean.toPrecision(3)} and sd ${target.sd.toPrecision(3)}; normalize 'standard' scales them for training and predicts in their units)`)
  if (hint !== null) return far && raise === null ? `${hint}, and ${lower}` : hint
  // scored on held-out rows: a network that fits the rows it trained on better than a constant, and not the others
  const trainConstant = run.head.constantLoss(run.trainSet.y, run.trainSet.rows, run.trainSet.outputs)
  if (run.validation !== null && run.validation.rows >= HELD_OUT_ROWS && ending.trainLoss !== undefined && ending.trainLoss < 0.99 * trainConstant) {
    return `it fits the rows it trained on (loss ${ending.trainLoss.toPrecision(4)} against the constant's ${trainConstant.toPrecision(4)}) and not the held-out ones: ` +
      'the features may not predict the target, or the network memorises its rows (early stopping, dropout or l2 hold that back)'
  }
  if (far && raise === null) return lower
  const { layers } = run.net.spec
  const causes: string[] = []
  const saturating = layers.filter((l) => l.activation === 'sigmoid' || l.activation === 'tanh').length
  if (saturating >= 4 && !layers.some((l) => l.norm !== undefined)) {
    causes.push(`its ${saturating} sigmoid and tanh layers pass back vanishing gradients (use relu, or norm 'batch' or 'layer', or fewer layers)`)
  }
  const dropout = Math.max(0, ...layers.map((l) => l.dropout ?? 0))
  if (dropout >= 0.5) causes.push(`dropout ${dropout} drops most units in training (lower it)`)
  if (run.trainSet.rows < 10) causes.push(`it trains on ${run.trainSet.rows} row${run.trainSet.rows === 1 ? '' : 's'} (upload more)`)
  causes.push(raise ?? (ending.stoppedEarly
    ? `the features do not predict the target (early stopping ended the run after ${ending.epochs} epochs, its validation loss no better)`
    : `the learning rate (now ${lr}) is too low for ${ending.epochs} epochs (raise it, or train longer)`))
  const list = causes.length > 1 ? `${causes.slice(0, -1).join('; ')}; or ${causes[causes.length - 1]}` : causes[0]
  return `it ${far ? 'stays far above' : 'is stuck near'} the constant: ${list}`
}

/** One run's fixed parts, made once by startRun: the network, its optimiser and schedule, the data it trains on. */
interface Run {
  readonly opts: TrainOptions
  readonly hooks: TrainHooks
  readonly data: Dataset
  readonly trainSet: Dataset
  readonly validation: Dataset | null
  readonly net: Network
  readonly optimizer: Optimizer
  readonly schedule: Schedule
  readonly rng: Rng
  readonly gradient: BatchGradient
  readonly grads: Vec
  readonly head: Head
  readonly warnings: string[]
  /** the rows in order, and each epoch's shuffle of them, in the same memory every epoch */
  readonly base: Int32Array
  readonly shuffled: Int32Array
  /** the weights the run started from (null when resumed): how far they moved tells a step too small (weightsMoved) */
  readonly startParams: Vec | null
}

/** What changes epoch by epoch, besides the weights and the optimiser's state: what a TrainState snapshots. */
interface Progress {
  best: TrainState['best']
  wait: number
  readonly history: EpochStats[]
  /**
   * The state at the current epoch's start, kept for an abort within the epoch, in the same memory every
   * epoch: a fresh copy of the weights and the optimiser's state each epoch cost W1 about 6 ms, most of it
   * first touches of freshly mapped pages (13 µs a page on this VM; the engine's helpers wait meanwhile).
   * `best` is shared, not copied: it changes only at an epoch's end, after the last abort check of that epoch.
   */
  atStart: TrainState | null
  /** its history is the run's first historyAtStart epochs, copied only when an abort hands the state out: a copy each epoch made a long run quadratic (100,000 epochs: 5·10⁹ records copied) */
  historyAtStart: number
  /** one workspace for the run's validation passes, not one an epoch (fresh pages cost a fault each on first touch) */
  validationWs?: Workspace
}

/**
 * Trains `spec` on `data` by minibatch backpropagation, epoch by epoch, until `opts.epochs`, early
 * stopping, divergence (a loss or weight not finite) or an abort through `hooks.signal`, and returns the
 * weights with the run's history and a resumable state. Throws RangeError on a spec, options or data
 * that cannot train (checked before any work). With `hooks.resume` it continues a run bit for bit.
 */
export function train (spec: NetworkSpec, data: Dataset, opts: TrainOptions, hooks: TrainHooks = {}): TrainResult {
  checkTrainable(spec)
  checkTrainOptions(opts)
  checkDatasetFits(spec, data)
  const run = startRun(spec, data, opts, hooks)
  const resume = hooks.resume
  const progress: Progress = {
    best: resume?.best ? { ...resume.best, params: copyOf(resume.best.params) } : null,
    wait: resume?.wait ?? 0,
    history: resume ? [...resume.history] : [],
    atStart: null,
    historyAtStart: 0
  }
  const minDelta = opts.earlyStopping?.minDelta ?? 0

  let epoch = resume?.epoch ?? 0
  for (; epoch < opts.epochs; epoch++) {
    const lr = run.schedule.learningRate(epoch)
    const sums = runEpoch(run, progress, epoch, lr)
    if ('stopReason' in sums) return sums
    // O(parameters) per epoch: a weight can overflow while the loss stays finite (e.g. behind a dead ReLU)
    const bad = firstNonFinite(run.net.params)
    if (bad >= 0) {
      return finish(run, progress, 'diverged', diverged(run, epoch + 1, `weight ${parameterName(run.net, bad)} became ${run.net.params[bad]}`, lr), snapshot(run, progress, epoch))
    }
    const stats = epochStats(run, progress, epoch, lr, sums)
    const monitored = stats.valLoss ?? stats.loss
    if (!Number.isFinite(monitored)) {
      progress.history.push(stats)
      return finish(run, progress, 'diverged', `the loss became ${monitored} after epoch ${epoch + 1}: ${divergenceAdvice(data, lr)}`, snapshot(run, progress, epoch + 1))
    }
    run.schedule.observe(epoch, monitored)
    // scikit-learn's MLP rule: patience counts epochs that failed to beat the best loss by minDelta (its
    // tol), while the best weights are those of the lowest loss however small the step to it. Using
    // minDelta for both (Keras's) kept an earlier, worse epoch whenever the loss fell by less than minDelta,
    // as losses of 1e-3 on standardised targets do: 11% worse in a user's run
    const best = progress.best
    if (best === null || monitored < best.loss - minDelta) progress.wait = 0
    else progress.wait++
    // the best epoch's weights: one buffer for the whole run, like the epoch-start state's
    if (best === null || monitored < best.loss) progress.best = { epoch: epoch + 1, loss: monitored, params: copyInto(best?.params, run.net.params) }
    progress.history.push(stats)
    const end = epoch + 1
    hooks.onEpoch?.(stats, (o) => snapshot(run, progress, end, o?.history !== false))
    if (opts.earlyStopping && progress.wait >= opts.earlyStopping.patience) {
      return finish(run, progress, 'early_stopping', `stopped after epoch ${epoch + 1}: no improvement of at least ${minDelta} for ${progress.wait} epochs; restored the weights of epoch ${progress.best!.epoch}`, snapshot(run, progress, epoch + 1))
    }
    if (hooks.finishEarly?.requested === true && end < opts.epochs) {
      const kept = opts.earlyStopping ? `; restored the weights of epoch ${progress.best!.epoch}` : ''
      return finish(run, progress, 'stopped', `stopped by request after epoch ${end} of ${opts.epochs}${kept}`, snapshot(run, progress, end))
    }
  }
  // as scikit-learn's ConvergenceWarning (with early stopping or without): the epoch budget ended the run, not the loss
  if (progress.wait === 0 && progress.history.length > 0) {
    run.warnings.push(`${CONVERGENCE} ${opts.epochs} epochs; more epochs (or a higher learning rate) may fit better`)
  }
  const worse = keptWorseThanBest(progress, opts)
  if (worse !== null) run.warnings.push(worse)
  return finish(run, progress, 'completed', `trained ${opts.epochs} epochs`, snapshot(run, progress, epoch))
}

/** Held-out rows from which the constant comparison is scored on them rather than on every row. */
const HELD_OUT_ROWS = 20

/**
 * The kept weights' loss and the best constant prediction's (Head.constantLoss), when the first is no better
 * (within 1%), on the validation rows when the run holds 20 or more out (a network that memorised noise labels scores
 * well on the rows it trained on, and worse than the class shares on the rest), else on every row: a learning
 * rate far too high left a finite loss of 1e24 and chance accuracy, which finished 'succeeded' without a word and
 * became the name's newest version; a deep stack of sigmoids stays at the class shares. Null otherwise, and when
 * both are ≈ 0 (one row, a constant target).
 */
function worseThanConstant (run: Run): { kept: number, constant: number, rows: string } | null {
  const { net } = run
  // enough held-out rows for their class shares to mean something (one row's own class scores a constant loss of 0)
  const held = run.validation !== null && run.validation.rows >= HELD_OUT_ROWS
  const data = held ? run.validation! : run.data
  if (data.rows === 0) return null
  const kept = evaluateLoss(net, data, run.hooks.kernels).loss - l2Penalty(net)
  const constant = run.head.constantLoss(data.y, data.rows, data.outputs)
  // within 1% of it is no better either (a network stuck at the class shares scores them, give or take rounding)
  // class-weighted targets weigh both losses alike: said, since evaluate's logLoss of the same rows is unweighted
  const where = held ? 'the held-out validation rows' : 'the dataset\'s rows'
  return kept > 0.99 * constant + 1e-4 ? { kept, constant, rows: data.weighted === true ? `${where} (both weighted by the class weights, as training weighs them)` : where } : null
}

/**
 * Said of a run whose kept weights are worse than a constant: stopped improving, it learned nothing; still
 * improving, it is not usable yet (with the inputs to normalise named).
 */
function constantWarning (run: Run, stillImproving: boolean, ending: Ending): string | null {
  const worse = worseThanConstant(run)
  if (worse === null) return null
  const { kept, constant, rows } = worse
  const scores = `the kept weights score a loss of ${kept.toPrecision(4)} on ${rows}, ${kept > 1.01 * constant ? 'worse than' : 'no better than'} a constant prediction's ${constant.toPrecision(4)} ` +
    `(${run.head.constantPrediction})`
  if (!stillImproving) return `${scores}: the network learned nothing; ${stuckAdvice(run, kept, constant, ending)}`
  // still falling from where it started: more epochs is the cure, unless the inputs hold it back or the steps are tiny
  // (inputs of 1e6 saturate units, whose weights barely move: the inputs are the advice then)
  const hint = normaliseHint(run.data) ?? raiseAdvice(run, ending.epochs)
  return `; yet ${scores}: the model is not usable yet${hint === null ? '' : `; ${hint}`}`
}

/** The ConvergenceWarning (scikit-learn's): the epoch budget, not the loss, ended the run. */
const CONVERGENCE = 'the monitored loss still improved in the last of'

/** How much worse than the best epoch's loss the kept weights' may be before a run without early stopping says so. */
const KEPT_WORSE_RATIO = 1.25

/**
 * Without early stopping the last epoch's weights are kept, however far the loss has climbed from its best
 * (overfitting, a learning rate too high): said when they are more than 25% worse (an epoch's loss wanders by
 * 10% on small data), with the cure. A fresh
 * user's 80-epoch regression kept a validation loss of 0.385 where epoch 16 had reached 0.232, and no warning.
 */
function keptWorseThanBest (progress: Progress, opts: TrainOptions): string | null {
  const { best, history } = progress
  const last = history[history.length - 1]
  if (opts.earlyStopping || best === null || last === undefined || best.epoch >= last.epoch) return null
  const kept = last.valLoss ?? last.loss
  if (!(best.loss > 0 && kept > best.loss * KEPT_WORSE_RATIO)) return null
  const which = last.valLoss === undefined ? 'training' : 'validation'
  return `the kept weights are the last epoch's (${which} loss ${kept.toPrecision(4)}), ${Math.round((kept / best.loss - 1) * 100)}% worse than epoch ${best.epoch}'s (${best.loss.toPrecision(4)}); ` +
    `with "earlyStopping": true the best epoch's weights are kept`
}

/** The network (fresh from the seed, the resumed or the initial weights), its optimiser and schedule, the split, the batch gradient. */
function startRun (spec: NetworkSpec, data: Dataset, opts: TrainOptions, hooks: TrainHooks): Run {
  const { train: trainSet, validation, trainRows, stratified } = splitForValidation(spec, data, opts)
  const oneRow = oneRowMinibatch(spec, trainSet.rows, opts.batchSize)
  if (oneRow !== null) throw new RangeError(oneRow)

  const resume = hooks.resume
  const rng = new Rng(opts.seed ?? 0)
  const start = resume?.params ?? hooks.initialParams
  let net = createNetwork(spec, { rng, params: start ? copyOf(start) : undefined })
  // a fresh start gives inputs the training rows never set no weight (unexercised-inputs.ts); a resumed or
  // fine-tuned run keeps the weights it was given
  if (start === undefined) zeroInputWeights(net, zeroColumns(trainSet))
  if (hooks.paramsBuffer) { hooks.paramsBuffer.set(net.params); net = createNetwork(spec, { params: hooks.paramsBuffer }) }
  const optimizer = createOptimizer(opts.optimizer, net.decayMask, hooks.kernels, hooks.optimizerState)
  const schedule = createSchedule(opts.schedule, opts.optimizer.learningRate, opts.epochs)
  if (resume) { optimizer.setState(resume.optimizer); schedule.setState(resume.schedule); rng.setState(resume.rng) }

  const reference = hasBatchNorm(spec) ? sequentialLockstepGradient : sequentialGradient
  const gradient = hooks.gradient ? hooks.gradient(net, trainSet, trainRows, optimizer) : reference(net, trainSet, hooks.kernels, opts.seed ?? 0, trainRows, Math.min(SHARD_ROWS, opts.batchSize, trainSet.rows))
  const base = Int32Array.from({ length: trainSet.rows }, (_, i) => i)
  return {
    opts, hooks, data, trainSet, validation, net, optimizer, schedule, rng, gradient,
    grads: hooks.gradsBuffer ?? allocate(net.dtype, net.params.length),
    head: headOf(spec),
    warnings: splitWarnings(data, opts, validation, stratified),
    base,
    shuffled: new Int32Array(base.length),
    startParams: resume ? null : copyOf(net.params)
  }
}

/**
 * One epoch's minibatches: each one's gradient, then the optimiser's step (unless the gradient applied
 * it). Returns the summed loss and correct predictions, or the run's result when it was aborted or
 * its loss stopped being finite.
 */
function runEpoch (run: Run, progress: Progress, epoch: number, lr: number): { loss: number, correct: number } | TrainResult {
  const { opts, hooks, trainSet, net, optimizer, grads } = run
  const startState = hooks.signal ? epochStart(run, progress, epoch) : null
  let order = run.base
  if (opts.shuffle !== false) { run.shuffled.set(run.base); order = run.rng.shuffle(run.shuffled) }
  let loss = 0, correct = 0
  for (let from = 0; from < trainSet.rows; from += opts.batchSize) {
    if (hooks.signal?.aborted && startState) {
      return finish(run, progress, 'aborted', `training was cancelled during epoch ${epoch + 1}`, { ...startState, history: progress.history.slice(0, progress.historyAtStart) })
    }
    const to = Math.min(from + opts.batchSize, trainSet.rows)
    const st = run.gradient(order, from, to, grads, epoch, lr)
    if (!Number.isFinite(st.loss)) {
      return finish(run, progress, 'diverged', `the loss became ${st.loss} in epoch ${epoch + 1} (rows ${from}-${to - 1}): ${divergenceAdvice(run.data, lr)}`, snapshot(run, progress, epoch))
    }
    if (st.stepped !== true) optimizer.step(net.params, grads, lr)
    loss += st.loss
    correct += st.correct
  }
  return { loss, correct }
}

/** The epoch's stats: training loss (+ L2) and accuracy from its minibatches, and the validation split's. */
function epochStats (run: Run, progress: Progress, epoch: number, lr: number, sums: { loss: number, correct: number }): EpochStats {
  const { trainSet, validation, net } = run
  const stats: EpochStats = { epoch: epoch + 1, loss: sums.loss / trainSet.rows + l2Penalty(net), learningRate: lr }
  const acc = accuracyOf(run.head, sums.correct, trainSet.rows, trainSet.outputs)
  if (acc !== undefined) stats.accuracy = acc
  if (validation) {
    progress.validationWs ??= createWorkspace(net, Math.min(256, validation.rows), { forwardOnly: true })
    const v = evaluateLoss(net, validation, run.hooks.kernels, 256, progress.validationWs)
    stats.valLoss = v.loss
    if (v.accuracy !== undefined) stats.valAccuracy = v.accuracy
  }
  return stats
}

function epochStart (run: Run, progress: Progress, epoch: number): TrainState {
  progress.historyAtStart = progress.history.length
  const kept = progress.atStart
  progress.atStart = { epoch, params: copyInto(kept?.params, run.net.params), optimizer: run.optimizer.getState(kept?.optimizer), schedule: run.schedule.getState(), rng: run.rng.getState(), best: progress.best, wait: progress.wait, history: [] }
  return progress.atStart
}

/** A resumable state at the boundary before 0-based epoch `epoch`: fresh copies of everything. */
function snapshot (run: Run, progress: Progress, epoch: number, withHistory = true): TrainState {
  const { best } = progress
  return {
    epoch,
    params: copyOf(run.net.params),
    optimizer: run.optimizer.getState(),
    schedule: run.schedule.getState(),
    rng: run.rng.getState(),
    best: best ? { ...best, params: copyOf(best.params) } : null,
    wait: progress.wait,
    history: withHistory ? [...progress.history] : []
  }
}

const diverged = (run: Run, epoch: number, why: string, lr: number): string => `${why} in epoch ${epoch}: ${divergenceAdvice(run.data, lr)}`

/**
 * The run's result. Early stopping restores the best epoch's weights (not after a divergence or an
 * abort); then the weights about to be kept are checked on every row, training and validation, since
 * the last update may have overflowed.
 */
function finish (run: Run, progress: Progress, stopReason: StopReason, message: string, state: TrainState): TrainResult {
  const { opts, net } = run
  const { best, history } = progress
  const stoppedEpoch = history.length === 0 ? 0 : history[history.length - 1].epoch
  let weightsEpoch = stoppedEpoch
  if (opts.earlyStopping && best && stopReason !== 'diverged' && stopReason !== 'aborted') { net.params.set(best.params); weightsEpoch = best.epoch }
  const result = { params: net.params, history, stopReason, message, bestEpoch: best?.epoch ?? null, stoppedEpoch, weightsEpoch, warnings: run.warnings, state }
  if (stopReason === 'diverged' || stopReason === 'aborted') return result
  const why = nonFiniteReason(net, run.data, run.hooks.kernels)
  if (why === null) {
    // still improving at the end, it is short of epochs: the ConvergenceWarning says so, and that it is not usable yet when a constant does better
    const improving = progress.wait === 0
    const learned = constantWarning(run, improving, { stoppedEarly: stopReason === 'early_stopping', epochs: stoppedEpoch, trainLoss: history[history.length - 1]?.loss })
    if (learned === null) return result
    return { ...result, warnings: improving ? result.warnings.map((w) => (w.startsWith(CONVERGENCE) ? w + learned : w)) : [...result.warnings, learned] }
  }
  return { ...result, stopReason: 'diverged', message: diverged(run, weightsEpoch, `the trained network is not finite (${why})`, run.schedule.learningRate(Math.max(0, weightsEpoch - 1))) }
}
