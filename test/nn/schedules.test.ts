import { describe, it, expect } from 'vitest'
import { createSchedule, SCHEDULES, type Schedule, type ScheduleConfig, type ScheduleState } from '../../src/nn/schedules.js'

const rates = (s: Schedule, epochs: number[]): number[] => epochs.map((e) => s.learningRate(e))
const closeAll = (actual: number[], expected: number[]): void => {
  expected.forEach((e, i) => expect(actual[i]).toBeCloseTo(e, 14))
}

describe('schedules that depend on the epoch only', () => {
  it('constant (also when no schedule is given) ignores epoch and loss', () => {
    for (const s of [createSchedule(undefined, 0.3, 10), createSchedule({ type: 'constant' }, 0.3, 10)]) {
      s.observe(0, 5); s.observe(1, 5); s.observe(2, 5)
      expect(rates(s, [0, 1, 9, 100])).toEqual([0.3, 0.3, 0.3, 0.3])
    }
  })

  it('step: lr·gamma^floor(epoch/stepSize)', () => {
    const s = createSchedule({ type: 'step', stepSize: 3, gamma: 0.5 }, 0.2, 20)
    closeAll(rates(s, [0, 1, 2, 3, 5, 6, 9]), [0.2, 0.2, 0.2, 0.1, 0.1, 0.05, 0.025])
    const d = createSchedule({ type: 'step', stepSize: 2 }, 1, 20) // gamma defaults to 0.1
    closeAll(rates(d, [0, 1, 2, 4, 5]), [1, 1, 0.1, 0.01, 0.01])
  })

  it('exponential: lr·gamma^epoch', () => {
    const s = createSchedule({ type: 'exponential', gamma: 0.9 }, 0.5, 20)
    closeAll(rates(s, [0, 1, 2, 3]), [0.5, 0.45, 0.405, 0.3645])
  })

  it('cosine: from lr at epoch 0 to min at `epochs`, halfway at the middle, then back up as PyTorch\'s CosineAnnealingLR', () => {
    const s = createSchedule({ type: 'cosine', minLearningRate: 0.01, epochs: 4 }, 0.09, 100)
    // min + (lr − min)·(1 + cos(π·e/4))/2 with lr − min = 0.08: cos = 1, √½, 0, −√½, −1, then −√½, 0, … 1 at 8
    closeAll(rates(s, [0, 1, 2, 3, 4, 5, 6, 8]), [0.09, 0.01 + 0.04 * (1 + Math.SQRT1_2), 0.05, 0.01 + 0.04 * (1 - Math.SQRT1_2), 0.01, 0.01 + 0.04 * (1 - Math.SQRT1_2), 0.05, 0.09])
    // PyTorch 1.13: SGD(lr=0.1) with CosineAnnealingLR(T_max=3, eta_min=0.01), lr read before each of 8 epochs' step
    closeAll(rates(createSchedule({ type: 'cosine', minLearningRate: 0.01, epochs: 3 }, 0.1, 8), [0, 1, 2, 3, 4, 5, 6, 7]), [0.1, 0.0775, 0.0325, 0.01, 0.0325, 0.0775, 0.1, 0.0775])
  })

  it('cosine defaults to the run\'s total epochs and a minimum of 0', () => {
    const s = createSchedule({ type: 'cosine' }, 1, 10)
    closeAll(rates(s, [0, 5, 10]), [1, 0.5, 0])
    const all = rates(s, Array.from({ length: 10 }, (_, e) => e))
    all.slice(1).forEach((r, i) => expect(r).toBeLessThan(all[i]))
    expect(all[9]).toBeGreaterThan(0) // the last epoch of the run still learns
  })
})

describe('reduce_on_plateau', () => {
  // every sequence here is what PyTorch 1.13's ReduceLROnPlateau(mode='min', threshold_mode='abs') gives for the same
  // losses and options (threshold = minDelta, min_lr = minLearningRate), each lr read after its scheduler.step(loss)
  it('cuts the rate after more than `patience` epochs without a `minDelta` improvement, then waits again, as PyTorch\'s', () => {
    const s = createSchedule({ type: 'reduce_on_plateau', factor: 0.5, patience: 2, minDelta: 0.01 }, 0.8, 100)
    // improvements smaller than minDelta (1 → 0.995 → 0.99) count as none
    const losses = [1, 0.995, 0.99, 0.9, 0.9, 0.85, 0.86, 0.87, 0.88, 0.89, 0.9, 0.91]
    const seen = losses.map((loss, epoch) => { s.observe(epoch, loss); return s.learningRate(epoch + 1) })
    expect(seen).toEqual([0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2])
    expect(s.getState()).toEqual({ lr: 0.2, best: 0.85, wait: 0 })
  })

  it('uses its defaults: factor 0.1, patience 10, minDelta 1e-4', () => {
    const s = createSchedule({ type: 'reduce_on_plateau' }, 1, 100)
    s.observe(0, 1)
    // each loss is below 1, but never by 1e-4: the 11th such epoch cuts
    for (let e = 1; e <= 10; e++) { s.observe(e, 1 - 9e-6 * e); expect(s.learningRate(e + 1)).toBe(1) }
    s.observe(11, 1 - 9e-5)
    expect(s.learningRate(12)).toBeCloseTo(0.1, 15)
  })

  it('never goes below minLearningRate, and a NaN loss never counts as an improvement', () => {
    const s = createSchedule({ type: 'reduce_on_plateau', factor: 0.1, patience: 1, minLearningRate: 0.003 }, 1, 100)
    const seen = [2, ...Array<number>(7).fill(Number.NaN)].map((loss, epoch) => { s.observe(epoch, loss); return s.learningRate(epoch + 1) })
    expect(seen.map((lr) => Number(lr.toPrecision(12)))).toEqual([1, 1, 0.1, 0.1, 0.01, 0.01, 0.003, 0.003])
    expect(s.getState().best).toBe(2)
  })
})

describe('schedule state', () => {
  const configs: Record<(typeof SCHEDULES)[number], ScheduleConfig> = {
    constant: { type: 'constant' },
    step: { type: 'step', stepSize: 2 },
    exponential: { type: 'exponential', gamma: 0.8 },
    cosine: { type: 'cosine' },
    reduce_on_plateau: { type: 'reduce_on_plateau', patience: 1, factor: 0.5 }
  }
  // falls, then wobbles on a floor: the plateau schedule cuts the rate before and after the restore,
  // and the restore happens mid-count (wait = 1)
  const loss = (e: number): number => Math.max(0.5, 1 - 0.1 * e) + 0.02 * (e % 3)

  for (const name of SCHEDULES) {
    it(`${name}: a state that went through JSON continues identically`, () => {
      const straight = createSchedule(configs[name], 0.1, 20)
      const expected = Array.from({ length: 20 }, (_, e) => { const lr = straight.learningRate(e); straight.observe(e, loss(e)); return lr })

      const first = createSchedule(configs[name], 0.1, 20)
      for (let e = 0; e < 10; e++) first.observe(e, loss(e))
      const json = JSON.stringify(first.getState())
      if (name === 'reduce_on_plateau') expect(first.getState().wait).toBe(1)
      const resumed = createSchedule(configs[name], 0.1, 20)
      resumed.setState(JSON.parse(json) as ScheduleState)
      const rest = Array.from({ length: 10 }, (_, i) => { const lr = resumed.learningRate(10 + i); resumed.observe(10 + i, loss(10 + i)); return lr })
      expect(rest).toEqual(expected.slice(10))
      if (name !== 'constant') expect(new Set(expected).size).toBeGreaterThan(2) // the rate really moves
    })
  }

  it('the initial plateau state (no loss seen yet) survives JSON', () => {
    const s = createSchedule(configs.reduce_on_plateau, 0.1, 20)
    const state = JSON.parse(JSON.stringify(s.getState())) as ScheduleState
    expect(state).toEqual({ lr: 0.1, best: null, wait: 0 })
    const r = createSchedule(configs.reduce_on_plateau, 0.1, 20)
    r.setState(state)
    r.observe(0, 5)
    expect(r.getState()).toEqual({ lr: 0.1, best: 5, wait: 0 })
  })

  it('a restore without its state takes a different path (the round trip above has teeth)', () => {
    const first = createSchedule(configs.reduce_on_plateau, 0.1, 20)
    for (let e = 0; e < 10; e++) first.observe(e, loss(e))
    expect(first.getState()).not.toEqual(createSchedule(configs.reduce_on_plateau, 0.1, 20).getState())
  })

  it('setState rejects malformed states', () => {
    const s = createSchedule(configs.reduce_on_plateau, 0.1, 20)
    expect(() => s.setState({ lr: 0, best: null, wait: 0 })).toThrow(RangeError)
    expect(() => s.setState({ lr: 0.1, best: Number.NaN, wait: 0 })).toThrow(RangeError)
    expect(() => s.setState({ lr: 0.1, best: 1, wait: -1 })).toThrow(RangeError)
    expect(() => s.setState(null as unknown as ScheduleState)).toThrow(RangeError)
  })
})

describe('createSchedule', () => {
  it('rejects bad options', () => {
    const bad: [ScheduleConfig | undefined, number, number][] = [
      [undefined, 0, 10],
      [undefined, 0.1, 0],
      [{ type: 'step', stepSize: 0 }, 0.1, 10],
      [{ type: 'step', stepSize: 1.5 }, 0.1, 10],
      [{ type: 'exponential', gamma: 0 }, 0.1, 10],
      [{ type: 'cosine', minLearningRate: 0.2 }, 0.1, 10],
      [{ type: 'cosine', epochs: 0 }, 0.1, 10],
      [{ type: 'reduce_on_plateau', factor: 1 }, 0.1, 10],
      [{ type: 'reduce_on_plateau', patience: -1 }, 0.1, 10],
      [{ type: 'reduce_on_plateau', minLearningRate: 1 }, 0.1, 10],
      [{ type: 'warmup' } as unknown as ScheduleConfig, 0.1, 10]
    ]
    for (const [config, lr, epochs] of bad) expect(() => createSchedule(config, lr, epochs)).toThrow(RangeError)
  })
})
