/**
 * Learning-rate schedules: the rate for each epoch, from the epoch alone or (reduce_on_plateau) from the
 * monitored losses seen so far. One factory per schedule. Not here: warm-up, cycles, per-step schedules.
 */

export const SCHEDULES = ['constant', 'step', 'exponential', 'cosine', 'reduce_on_plateau'] as const
export type ScheduleName = (typeof SCHEDULES)[number]

export type ScheduleConfig =
  | { type: 'constant' }
  /** lr·gamma^floor(epoch/stepSize); gamma default 0.1 */
  | { type: 'step', stepSize: number, gamma?: number }
  /** lr·gamma^epoch */
  | { type: 'exponential', gamma: number }
  /** cosine annealing from lr to minLearningRate (default 0) over `epochs` (default: the run's total epochs), then back up (PyTorch's CosineAnnealingLR) */
  | { type: 'cosine', minLearningRate?: number, epochs?: number }
  /** lr·factor after `patience` epochs without a `minDelta` improvement; defaults 0.1, 10, 1e-4, 0 */
  | { type: 'reduce_on_plateau', factor?: number, patience?: number, minDelta?: number, minLearningRate?: number }

/**
 * Enough to resume exactly, and JSON-safe: `best` is null until a finite loss has been seen (JSON has
 * no Infinity). Schedules that depend on the epoch alone report the base rate and ignore a restore.
 */
export interface ScheduleState { lr: number, best: number | null, wait: number }

export interface Schedule {
  /** Learning rate for epoch `epoch` (0-based). */
  learningRate (epoch: number): number
  /** Called once at the end of each epoch with the monitored loss (validation loss if any, else training loss). */
  observe (epoch: number, loss: number): void
  getState (): ScheduleState
  setState (state: ScheduleState): void
}

function check (ok: boolean, message: string): void {
  if (!ok) throw new RangeError(message)
}

const isNonNegative = (x: number): boolean => Number.isFinite(x) && x >= 0
const isPositive = (x: number): boolean => Number.isFinite(x) && x > 0

function checkState (s: ScheduleState): void {
  check(isPositive(s?.lr), `schedule state: lr must be a finite number > 0, got ${String(s?.lr)}`)
  check(s.best === null || Number.isFinite(s.best), `schedule state: best must be a finite number or null, got ${String(s.best)}`)
  check(Number.isInteger(s.wait) && s.wait >= 0, `schedule state: wait must be an integer ≥ 0, got ${String(s.wait)}`)
}

/** A schedule that is a pure function of the epoch: observe is a no-op and there is nothing to restore. */
function byEpoch (lr: number, rate: (epoch: number) => number): Schedule {
  return {
    learningRate: rate,
    observe () {},
    getState: () => ({ lr, best: null, wait: 0 }),
    setState: checkState
  }
}

function cosine (lr: number, min: number, epochs: number): Schedule {
  check(isNonNegative(min) && min <= lr, `cosine minLearningRate must be in [0, ${lr}], got ${min}`)
  check(Number.isInteger(epochs) && epochs >= 1, `cosine epochs must be a positive integer, got ${epochs}`)
  // PyTorch's CosineAnnealingLR (its closed form, T_max = epochs): min is reached at epoch `epochs` (one
  // past the last epoch of a run of that length, so no epoch is wasted at a zero rate), and a longer run
  // climbs back as PyTorch's does, a period of 2·epochs, rather than training on at the floor
  return byEpoch(lr, (epoch) => min + (lr - min) * (1 + Math.cos(Math.PI * epoch / epochs)) / 2)
}

function reduceOnPlateau (base: number, factor: number, patience: number, minDelta: number, min: number): Schedule {
  check(Number.isFinite(factor) && factor > 0 && factor < 1, `reduce_on_plateau factor must be in (0, 1), got ${factor}`)
  check(Number.isInteger(patience) && patience >= 0, `reduce_on_plateau patience must be an integer ≥ 0, got ${patience}`)
  check(isNonNegative(minDelta), `reduce_on_plateau minDelta must be a finite number ≥ 0, got ${minDelta}`)
  check(isNonNegative(min) && min <= base, `reduce_on_plateau minLearningRate must be in [0, ${base}], got ${min}`)
  let lr = base
  let best = Infinity
  let wait = 0
  return {
    learningRate: () => lr,
    // PyTorch's ReduceLROnPlateau (mode 'min', threshold_mode 'abs', threshold minDelta): an epoch improves when
    // loss < best − minDelta; more than `patience` epochs in a row that do not improve cut the rate (NaN never
    // improves). Keras's cuts one epoch sooner, after `patience` such epochs.
    observe (_epoch, loss) {
      if (loss < best - minDelta) {
        best = loss
        wait = 0
        return
      }
      wait++
      if (wait > patience) {
        lr = Math.max(lr * factor, min)
        wait = 0
      }
    },
    getState: () => ({ lr, best: Number.isFinite(best) ? best : null, wait }),
    setState (s) {
      checkState(s)
      lr = s.lr
      best = s.best ?? Infinity
      wait = s.wait
    }
  }
}

/** The options a schedule config may leave out, and what they then are (PyTorch's defaults; cosine's epochs: the run's). */
export const SCHEDULE_DEFAULTS = { gamma: 0.1, minLearningRate: 0, factor: 0.1, patience: 10, minDelta: 1e-4 } as const

/** The config (undefined: constant) with every option it left out written in: what the run uses, for a record of it. */
export function withScheduleDefaults (c: ScheduleConfig | undefined, totalEpochs: number): ScheduleConfig {
  const d = SCHEDULE_DEFAULTS
  if (c === undefined) return { type: 'constant' }
  switch (c.type) {
    case 'step': return { ...c, gamma: c.gamma ?? d.gamma }
    case 'cosine': return { ...c, minLearningRate: c.minLearningRate ?? d.minLearningRate, epochs: c.epochs ?? totalEpochs }
    case 'reduce_on_plateau': return { ...c, factor: c.factor ?? d.factor, patience: c.patience ?? d.patience, minDelta: c.minDelta ?? d.minDelta, minLearningRate: c.minLearningRate ?? d.minLearningRate }
    default: return c
  }
}

/** `config` undefined means constant. Throws RangeError on a bad option (the API validates first). */
export function createSchedule (config: ScheduleConfig | undefined, baseLearningRate: number, totalEpochs: number): Schedule {
  const lr = baseLearningRate
  check(isPositive(lr), `learning rate must be a finite number > 0, got ${lr}`)
  check(Number.isInteger(totalEpochs) && totalEpochs >= 1, `total epochs must be a positive integer, got ${totalEpochs}`)
  const c = config ?? { type: 'constant' }
  switch (c.type) {
    case 'constant':
      return byEpoch(lr, () => lr)
    case 'step': {
      const { stepSize, gamma = SCHEDULE_DEFAULTS.gamma } = c
      check(Number.isInteger(stepSize) && stepSize >= 1, `step stepSize must be a positive integer, got ${stepSize}`)
      check(isPositive(gamma), `step gamma must be a finite number > 0, got ${gamma}`)
      return byEpoch(lr, (epoch) => lr * Math.pow(gamma, Math.floor(epoch / stepSize)))
    }
    case 'exponential':
      check(isPositive(c.gamma), `exponential gamma must be a finite number > 0, got ${c.gamma}`)
      return byEpoch(lr, (epoch) => lr * Math.pow(c.gamma, epoch))
    case 'cosine':
      return cosine(lr, c.minLearningRate ?? SCHEDULE_DEFAULTS.minLearningRate, c.epochs ?? totalEpochs)
    case 'reduce_on_plateau':
      return reduceOnPlateau(lr, c.factor ?? SCHEDULE_DEFAULTS.factor, c.patience ?? SCHEDULE_DEFAULTS.patience, c.minDelta ?? SCHEDULE_DEFAULTS.minDelta, c.minLearningRate ?? SCHEDULE_DEFAULTS.minLearningRate)
    default:
      throw new RangeError(`schedule must be one of ${SCHEDULES.join(', ')}, got ${String((c as { type: unknown }).type)}`)
  }
}
