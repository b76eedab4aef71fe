import { describe, it, expect } from 'vitest'
import { Rng } from '../../src/nn/random.js'
import { train, type EpochStats, type TrainOptions, type TrainState } from '../../src/nn/train.js'
import { headOf } from '../../src/nn/heads.js'
import { datasetFromRows } from '../../src/nn/dataset.js'
import { createNetwork, predict } from '../../src/nn/network.js'
import { weightTargets } from '../../src/data/class-weights.js'
import type { NetworkSpec } from '../../src/nn/spec.js'
import { classificationFixture, regressionFixture } from '../support/fixtures.js'

const iris = classificationFixture('iris.csv').data
const spec: NetworkSpec = { inputs: 4, layers: [{ units: 8, activation: 'relu' }], output: { units: 3, activation: 'softmax' }, l2: 0.001 }
const opts: TrainOptions = {
  epochs: 12, batchSize: 40, seed: 3, validationSplit: 0.2,
  optimizer: { type: 'adam', learningRate: 0.01 }, schedule: { type: 'reduce_on_plateau', patience: 2, factor: 0.5 }
}
const bits = (v: ArrayLike<number>): string => Buffer.from(Float32Array.from(v).buffer).toString('hex')

describe('determinism', () => {
  it('the same seed gives bit-identical weights and history', () => {
    const a = train(spec, iris, opts), b = train(spec, iris, opts)
    expect(bits(a.params)).toBe(bits(b.params))
    expect(a.history).toEqual(b.history)
  })

  it('a different seed gives different weights', () => {
    expect(bits(train(spec, iris, opts).params)).not.toBe(bits(train(spec, iris, { ...opts, seed: 4 }).params))
  })

  it('a run stopped at any epoch and resumed from its state ends bit-identical to an uninterrupted run', () => {
    const whole = train(spec, iris, opts)
    for (const stopAt of [1, 5, 11]) {
      let saved: TrainState | undefined
      const controller = { aborted: false }
      train(spec, iris, opts, {
        signal: controller,
        onEpoch: (s, state) => { if (s.epoch === stopAt) { saved = structuredClone(state()); controller.aborted = true } }
      })
      const resumed = train(spec, iris, opts, { resume: saved })
      expect(bits(resumed.params)).toBe(bits(whole.params))
      expect(resumed.history).toEqual(whole.history)
    }
  })

  it('a state without its history (a checkpoint\'s) resumes the same once the reported epochs are put back', () => {
    const whole = train(spec, iris, opts)
    const reported: EpochStats[] = []
    let saved: TrainState | undefined
    const controller = { aborted: false }
    train(spec, iris, opts, {
      signal: controller,
      onEpoch: (s, state) => { reported.push(s); if (s.epoch === 7) { saved = structuredClone(state({ history: false })); controller.aborted = true } }
    })
    expect(saved!.history).toEqual([])
    const resumed = train(spec, iris, opts, { resume: { ...saved!, history: reported.slice(0, 7) } })
    expect(bits(resumed.params)).toBe(bits(whole.params))
    expect(resumed.history).toEqual(whole.history)
  })
})

describe('stopping', () => {
  it('an abort within an epoch hands back that epoch\'s starting state; resumed from it, the run ends bit-identical (adam, early stopping\'s best weights)', () => {
    // 120 training rows in minibatches of 10: 12 abort checks an epoch. The epoch-start state and the
    // best weights are kept in buffers reused from epoch to epoch, so a state that still pointed at
    // them after they moved on would resume from the wrong weights or moments.
    const o: TrainOptions = { ...opts, batchSize: 10, epochs: 9, earlyStopping: { patience: 20 } }
    const whole = train(spec, iris, o)
    for (const after of [5, 40, 77]) {
      let checks = 0
      const r = train(spec, iris, o, { signal: { get aborted () { return ++checks > after } } })
      expect(r.stopReason).toBe('aborted')
      expect(r.state.epoch).toBe(Math.floor(after / 12))
      const resumed = train(spec, iris, o, { resume: structuredClone(r.state) })
      expect(bits(resumed.params)).toBe(bits(whole.params))
      expect(resumed.bestEpoch).toBe(whole.bestEpoch)
      expect(resumed.history).toEqual(whole.history)
    }
  })

  it('abort stops between minibatches and hands back the state of the last epoch boundary', () => {
    const controller = { aborted: false }
    let batches = 0
    const r = train(spec, iris, { ...opts, batchSize: 10 }, {
      signal: controller,
      onEpoch: (s) => { if (s.epoch === 2) controller.aborted = true },
      gradient: undefined
    })
    batches = r.history.length
    expect(r.stopReason).toBe('aborted')
    expect(batches).toBe(2)
    expect(r.state.epoch).toBe(2)
  })

  it('a stop asked for during an epoch ends the run after it, with that epoch\'s weights, or the best epoch\'s with early stopping', () => {
    // a stop that keeps the model (POST …/stop): the weights a run of that many epochs ends with, bit for bit
    const o: TrainOptions = { ...opts, schedule: undefined }
    const stop = { requested: false }
    const r = train(spec, iris, o, { finishEarly: stop, onEpoch: (s) => { if (s.epoch === 4) stop.requested = true } })
    expect(r).toMatchObject({ stopReason: 'stopped', stoppedEpoch: 4, weightsEpoch: 4, message: 'stopped by request after epoch 4 of 12' })
    const four = train(spec, iris, { ...o, epochs: 4 })
    expect(bits(r.params)).toBe(bits(four.params))
    expect(r.history).toEqual(four.history)
    // with early stopping the best epoch's weights are kept, as a run that ends on its own keeps them
    const watched = { ...o, epochs: 40, earlyStopping: { patience: 40 } }
    const stopAt = { requested: false }
    const e = train(spec, iris, watched, { finishEarly: stopAt, onEpoch: (s) => { if (s.epoch === 25) stopAt.requested = true } })
    const best = e.history.reduce((b, h) => (h.valLoss! < b.valLoss! ? h : b))
    expect(e).toMatchObject({ stopReason: 'stopped', stoppedEpoch: 25, bestEpoch: best.epoch, weightsEpoch: best.epoch })
    expect(e.message).toBe(`stopped by request after epoch 25 of 40; restored the weights of epoch ${best.epoch}`)
    // a stop asked for in the last epoch changes nothing: the run completed
    const last = { requested: false }
    expect(train(spec, iris, o, { finishEarly: last, onEpoch: (s) => { if (s.epoch === 12) last.requested = true } }).stopReason).toBe('completed')
  })

  it('early stopping stops on a plateau and restores the best weights', () => {
    const r = train(spec, iris, { ...opts, epochs: 400, earlyStopping: { patience: 5, minDelta: 1e-3 }, schedule: undefined })
    expect(r.stopReason).toBe('early_stopping')
    expect(r.history.length).toBeLessThan(400)
    const best = r.history[r.bestEpoch! - 1]
    expect(Math.min(...r.history.map((h) => h.valLoss!))).toBeCloseTo(best.valLoss!, 6)
    expect(r.message).toMatch(/restored the weights of epoch/)
  })

  it('early stopping keeps the lowest loss\'s weights however small its lead, and counts patience by minDelta (scikit-learn\'s tol)', () => {
    // a minDelta larger than most epochs' improvements: they reset no patience, yet the best is the lowest
    const minDelta = 0.02
    const r = train(spec, iris, { ...opts, epochs: 400, earlyStopping: { patience: 4, minDelta }, schedule: undefined })
    expect(r.stopReason).toBe('early_stopping')
    const losses = r.history.map((h) => h.valLoss!)
    // scikit-learn's _update_no_improvement_count, replayed: the count and the best before each epoch
    let best = Infinity, bestEpoch = 0, wait = 0, stop = 0, smallLeads = 0
    for (const [i, loss] of losses.entries()) {
      wait = loss < best - minDelta ? 0 : wait + 1
      if (loss < best) { if (loss >= best - minDelta) smallLeads++; best = loss; bestEpoch = i + 1 }
      if (wait >= 4) { stop = i + 1; break }
    }
    expect(smallLeads).toBeGreaterThan(0) // the case at issue happened: a new best by less than minDelta
    expect(r.stoppedEpoch).toBe(stop)
    expect(r.history).toHaveLength(stop)
    expect(r.bestEpoch).toBe(bestEpoch)
    expect(losses[r.bestEpoch! - 1]).toBe(Math.min(...losses))
    // the weights returned are that epoch's: their validation loss is the history's
    expect(r.weightsEpoch).toBe(bestEpoch)
  })

  it('stops with a clear reason when the loss becomes NaN or Infinity', () => {
    const data = datasetFromRows([[1e18, 1], [-1e18, 2], [3e18, 0]], [[1], [2], [3]])
    const r = train({ inputs: 2, layers: [{ units: 4, activation: 'relu' }], output: { units: 1, activation: 'identity' } }, data,
      { epochs: 20, batchSize: 3, optimizer: { type: 'sgd', learningRate: 10 } })
    expect(r.stopReason).toBe('diverged')
    expect(r.message).toMatch(/loss became (NaN|Infinity).*lower the learning rate \(now 10\) or normalise the inputs \(encoded input column 1 of 2 reaches 3\.00e\+18\)$/)
  })

  it('advises normalising only inputs that need it: standardised ones diverge on the learning rate alone', () => {
    const data = datasetFromRows([[0.5, -1], [-1.2, 0.3], [1.1, 0.9], [-0.4, -0.2]], [[1e3], [-2e3], [3e3], [-1e3]])
    const r = train({ inputs: 2, layers: [{ units: 8, activation: 'relu' }], output: { units: 1, activation: 'identity' } }, data,
      { epochs: 50, batchSize: 4, optimizer: { type: 'sgd', learningRate: 1000 } })
    expect(r.stopReason).toBe('diverged')
    expect(r.message).toMatch(/lower the learning rate \(now 1000\)$/)
  })

  it('reads a standardised column as standardised however far a rare value reaches (a pixel lit once in 1,300 rows stands at 36)', () => {
    const n = 1300
    const raw = Array.from({ length: n }, (_, r) => (r === 7 ? 1 : 0))
    const mean = 1 / n, sd = Math.sqrt(mean - mean * mean)
    const data = datasetFromRows(raw.map((v, r) => [(v - mean) / sd, Math.sin(r)]), raw.map((_, r) => [Math.cos(r) * 1e3]))
    expect(Math.max(...data.x)).toBeGreaterThan(36)
    const r = train({ inputs: 2, layers: [{ units: 8, activation: 'relu' }], output: { units: 1, activation: 'identity' } }, data,
      { epochs: 50, batchSize: 100, optimizer: { type: 'sgd', learningRate: 1000 } })
    expect(r.stopReason).toBe('diverged')
    expect(r.message).toMatch(/lower the learning rate \(now 1000\)$/)
  })
})

describe('bad input', () => {
  it('names the row and column of a bad cell', () => {
    expect(() => datasetFromRows([[1, 2], [3, Number.NaN]], [[0], [1]])).toThrow(/row 1, column 1/)
    expect(() => datasetFromRows([[1, 2], [3]], [[0], [1]])).toThrow(/row 1 has 1 column; expected 2/)
  })

  it('refuses a dataset whose width does not match the network, or labels that do not fit the head', () => {
    expect(() => train(spec, datasetFromRows([[1, 2, 3]], [[1, 0, 0]]), opts)).toThrow(/expects 4 inputs/)
    expect(() => train(spec, datasetFromRows([[1, 2, 3, 4]], [[1, 1, 0]]), opts)).toThrow(/row 0/)
    expect(() => train(spec, datasetFromRows([[1, 2, 3, 4]], [[-1, 0, 0]]), opts)).toThrow(/row 0/)
  })

  it('refuses to train a step network and absurd options', () => {
    expect(() => train({ ...spec, layers: [{ units: 3, activation: 'step' }] }, iris, opts)).toThrow(/step/)
    expect(() => train(spec, iris, { ...opts, batchSize: 0 })).toThrow(/batchSize/)
    expect(() => train(spec, iris, { ...opts, optimizer: { type: 'sgd', learningRate: -1 } })).toThrow(/learningRate/)
  })
})

describe('the kept weights against the best epoch\'s', () => {
  // diabetes, 128 hidden units and Adam at 0.05: the validation loss bottoms out early (epoch 22) and climbs after
  const diabetes = regressionFixture('diabetes.csv').data
  const spec: NetworkSpec = { inputs: diabetes.inputs, layers: [{ units: 128, activation: 'relu' }], output: { units: 1, activation: 'identity' } }
  const opts: TrainOptions = { epochs: 80, batchSize: 32, seed: 5, validationSplit: 0.2, optimizer: { type: 'adam', learningRate: 0.05 } }

  it('says when a run without early stopping keeps weights more than 25% worse than its best epoch\'s, with both losses', () => {
    const r = train(spec, diabetes, opts)
    const best = r.history[r.bestEpoch! - 1].valLoss!, kept = r.history[r.history.length - 1].valLoss!
    expect(kept / best).toBeGreaterThan(1.25)
    expect(r.warnings).toContain(`the kept weights are the last epoch's (validation loss ${kept.toPrecision(4)}), ${Math.round((kept / best - 1) * 100)}% worse than epoch ${r.bestEpoch}'s (${best.toPrecision(4)}); with "earlyStopping": true the best epoch's weights are kept`)
    // with early stopping the best epoch's weights are the ones kept: nothing to say
    const stopped = train(spec, diabetes, { ...opts, earlyStopping: { patience: 10 } })
    expect(stopped.warnings.join()).not.toMatch(/kept weights/)
    // a run whose last epoch is within 25% of its best says nothing either
    const gentle = train(spec, diabetes, { ...opts, epochs: 10, optimizer: { type: 'adam', learningRate: 0.001 } })
    expect(gentle.warnings.join()).not.toMatch(/kept weights/)
  })
})

describe('a network no better than a constant', () => {
  it('a head\'s constantLoss is the loss of the best constant prediction: ½ the variance, the class shares\' entropy, the positives\' binary entropy', () => {
    expect(headOf({ output: { activation: 'identity' } }).constantLoss(Float32Array.from([1, 3, 5]), 3, 1)).toBeCloseTo(0.5 * 8 / 3, 12)
    const softmax = headOf({ output: { activation: 'softmax' } })
    expect(softmax.constantLoss(Float32Array.from([1, 0, 0, 1, 0, 1, 0, 1]), 4, 2)).toBeCloseTo(-(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75)), 12)
    expect(headOf({ output: { activation: 'sigmoid' } }).constantLoss(Float32Array.from([1, 0, 0, 0]), 4, 1)).toBeCloseTo(-(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75)), 12)
  })

  it('is said when the kept weights score worse on the rows than the class shares would (a learning rate far too high); a network that learned is not', () => {
    const spec: NetworkSpec = { inputs: 4, layers: [{ units: 8, activation: 'tanh' }], output: { units: 3, activation: 'softmax' } }
    const wild = train(spec, iris, { epochs: 30, batchSize: 16, seed: 1, optimizer: { type: 'sgd', learningRate: 1e6 } })
    expect(wild.stopReason).toBe('completed')
    expect(wild.warnings.find((w) => /learned nothing/.test(w))).toMatch(/^the kept weights score a loss of \S+ on the dataset's rows, worse than a constant prediction's 1\.099 \(the class shares\): the network learned nothing; lower the learning rate \(now 1000000\)/)
    const sane = train(spec, iris, { epochs: 30, batchSize: 16, seed: 1, optimizer: { type: 'sgd', learningRate: 0.05 } })
    expect(sane.warnings.join()).not.toMatch(/learned nothing/)
  })

  it('a network stuck at the constant is told what this network and data make likely, not to lower the learning rate', () => {
    const deep: NetworkSpec = { inputs: 4, layers: Array.from({ length: 12 }, () => ({ units: 8, activation: 'sigmoid' as const })), output: { units: 3, activation: 'softmax' } }
    const r = train(deep, iris, { epochs: 30, batchSize: 16, seed: 1, optimizer: { type: 'sgd', learningRate: 0.01 } })
    expect(r.warnings.find((w) => /learned nothing/.test(w))).toMatch(/no better than a constant prediction's 1\.099 \(the class shares\): the network learned nothing; it is stuck near the constant: its 12 sigmoid and tanh layers pass back vanishing gradients \(use relu, or norm 'batch' or 'layer', or fewer layers\); or the learning rate \(now 0\.01\) is too low for 30 epochs/)
  })

  it('a run cut short while still worse than a constant says so in its ConvergenceWarning: not usable yet, not "learned nothing"', () => {
    const data = datasetFromRows([[1], [2], [3], [4]], [[1], [2], [3], [4]])
    const r = train({ inputs: 1, layers: [{ units: 2, activation: 'relu' }], output: { units: 1, activation: 'identity' } }, data, { epochs: 5, batchSize: 2, seed: 3, optimizer: { type: 'adam', learningRate: 0.01 } })
    expect(r.warnings).toHaveLength(1)
    expect(r.warnings[0]).toMatch(/^the monitored loss still improved in the last of 5 epochs; more epochs \(or a higher learning rate\) may fit better; yet the kept weights score a loss of \S+ on the dataset's rows, worse than a constant prediction's 0\.6250 \(each output's mean\): the model is not usable yet$/)
  })

  it('inputs far from normalised are named first (a column of 1e6 stalls the tanh units), not a learning rate', () => {
    const rng = new Rng(5)
    const rows = Array.from({ length: 300 }, () => [1e6 + 1e5 * rng.normal(), rng.normal()])
    const big = datasetFromRows(rows, rows.map(([a]) => (a > 1e6 ? [1, 0] : [0, 1])))
    const net: NetworkSpec = { inputs: 2, layers: [{ units: 16, activation: 'tanh' }], output: { units: 2, activation: 'softmax' } }
    const r = train(net, big, { epochs: 60, batchSize: 32, seed: 1, optimizer: { type: 'adam', learningRate: 0.01 } })
    expect(r.warnings.join()).toMatch(/the network learned nothing; normalise the inputs \(encoded input column 1 of 2 reaches 1\.\d\de\+6\)$/)
  })

  it('a run early stopping ended on features that predict nothing is told so, with the epochs it ran, not to train longer', () => {
    const rng = new Rng(1)
    const noise = datasetFromRows(Array.from({ length: 400 }, () => [rng.normal(), rng.normal(), rng.normal()]), Array.from({ length: 400 }, () => (rng.uniform(0, 1) < 0.5 ? [1, 0] : [0, 1])))
    const net: NetworkSpec = { inputs: 3, layers: [{ units: 2, activation: 'relu' }], output: { units: 2, activation: 'softmax' } }
    const r = train(net, noise, { epochs: 200, batchSize: 32, seed: 2, validationSplit: 0.2, earlyStopping: { patience: 10, minDelta: 0 }, optimizer: { type: 'adam', learningRate: 0.01 } })
    expect(r.stopReason).toBe('early_stopping')
    expect(r.warnings.join()).toMatch(new RegExp(`it is stuck near the constant: the features do not predict the target \\(early stopping ended the run after ${r.stoppedEpoch} epochs, its validation loss no better\\)$`))
  })

  it('a learning rate far too low is told to rise, with how little the weights moved, not to fall (its loss sat far above the constant\'s)', () => {
    const relu16: NetworkSpec = { inputs: 4, layers: [{ units: 16, activation: 'relu' }], output: { units: 3, activation: 'softmax' } }
    const r = train(relu16, iris, { epochs: 50, batchSize: 16, seed: 1, validationSplit: 0.2, earlyStopping: { patience: 10, minDelta: 1e-4 }, optimizer: { type: 'adam', learningRate: 1e-7 } })
    expect(r.stopReason).toBe('early_stopping')
    expect(r.warnings.join()).toMatch(/worse than a constant prediction's \S+ \(the class shares\): the network learned nothing; it stays far above the constant: raise the learning rate \(now 1e-7\): in \d+ epochs the weights moved by [\d.e-]+% of their size$/)
    // still improving when the epochs ran out: not usable yet, and the same advice
    const short = train(relu16, iris, { epochs: 20, batchSize: 16, seed: 1, validationSplit: 0.2, optimizer: { type: 'adam', learningRate: 1e-7 } })
    expect(short.warnings.join()).toMatch(/the model is not usable yet; raise the learning rate \(now 1e-7\): in 20 epochs the weights moved by/)
  })

  it('an identity head\'s targets far from standardised are named, not put down to features that predict nothing', () => {
    const rng = new Rng(3)
    const x = Array.from({ length: 400 }, () => [rng.normal() * 0.05, rng.normal() * 0.05, rng.normal() * 0.05])
    const y = x.map((row) => [152 + 79 * (row[0] * 10 + rng.normal() * 0.5)]) // diabetes's scale: inputs near 0, the target in the hundreds
    const net: NetworkSpec = { inputs: 3, layers: [{ units: 16, activation: 'relu' }], output: { units: 1, activation: 'identity' } }
    const r = train(net, datasetFromRows(x, y), { epochs: 50, batchSize: 32, seed: 1, validationSplit: 0.2, earlyStopping: { patience: 10, minDelta: 0 }, optimizer: { type: 'sgd', learningRate: 0.1 } })
    expect(r.warnings.join()).toMatch(/the network learned nothing; standardise the targets \(target column 1 of 1 has mean 15\d and sd \d+(\.\d)?; normalize 'standard' scales them for training and predicts in their units\)$/)
  })

  it('with class weights, the losses it compares are said to be weighted (evaluate\'s logLoss of the same rows is not)', () => {
    const rng = new Rng(1)
    const noise = datasetFromRows(Array.from({ length: 400 }, () => [rng.normal(), rng.normal(), rng.normal()]), Array.from({ length: 400 }, () => (rng.uniform(0, 1) < 0.5 ? [1, 0] : [0, 1])))
    const net: NetworkSpec = { inputs: 3, layers: [{ units: 2, activation: 'relu' }], output: { units: 2, activation: 'softmax' } }
    const r = train(net, weightTargets(noise, Float64Array.of(3, 1), null), { epochs: 200, batchSize: 32, seed: 2, validationSplit: 0.2, earlyStopping: { patience: 10, minDelta: 0 }, optimizer: { type: 'adam', learningRate: 0.01 } })
    expect(r.warnings.join()).toMatch(/on the held-out validation rows \(both weighted by the class weights, as training weighs them\), (worse than|no better than) a constant prediction's/)
  })

  it('noise labels a network memorises are scored on the held-out rows: worse than the class shares there, and told why', () => {
    const rng = new Rng(7)
    const y = Array.from({ length: iris.rows }, () => { const k = Math.floor(rng.uniform(0, 3)); return [0, 1, 2].map((j) => (j === k ? 1 : 0)) })
    const x = Array.from({ length: iris.rows }, (_, r) => Array.from(iris.x.subarray(r * 4, r * 4 + 4)))
    const tanh16: NetworkSpec = { inputs: 4, layers: [{ units: 16, activation: 'tanh' }], output: { units: 3, activation: 'softmax' } }
    const r = train(tanh16, datasetFromRows(x, y), { epochs: 300, batchSize: 16, seed: 1, validationSplit: 0.2, optimizer: { type: 'adam', learningRate: 0.01 } })
    expect(r.warnings.find((w) => /learned nothing/.test(w))).toMatch(/^the kept weights score a loss of \S+ on the held-out validation rows, worse than a constant prediction's \S+ \(the class shares\): the network learned nothing; it fits the rows it trained on \(loss \S+ against the constant's \S+\) and not the held-out ones: the features may not predict the target, or the network memorises its rows/)
  })

  it('a held-out set too small to judge by is not scored alone: one held-out row\'s own value is a constant loss of 0', () => {
    const x = Array.from({ length: 10 }, (_, i) => [i / 10])
    const data = datasetFromRows(x, x.map(([v]) => [2 * v + 1]))
    const r = train({ inputs: 1, layers: [{ units: 8, activation: 'tanh' }], output: { units: 1, activation: 'identity' } }, data,
      { epochs: 300, batchSize: 9, seed: 1, validationSplit: 0.1, optimizer: { type: 'adam', learningRate: 0.01 } })
    expect(r.history.at(-1)!.valLoss).toBeGreaterThan(0)
    expect(r.warnings.join()).not.toMatch(/constant prediction/)
  })

  it('one row predicted to rounding is not "worse than a constant" (both losses ≈ 0)', () => {
    const one = datasetFromRows([[1, 2]], [[3]])
    const r = train({ inputs: 2, layers: [{ units: 4, activation: 'relu' }], output: { units: 1, activation: 'identity' } }, one, { epochs: 200, batchSize: 1, seed: 1, optimizer: { type: 'sgd', learningRate: 0.01 } })
    expect(r.warnings.join()).not.toMatch(/constant prediction/)
  })
})

describe('inputs the training rows never set', () => {
  // column 2 is 0 in every row (a category of no training row, a column missing in all of them): its first-layer
  // weights start at 0 and stay there, so a value there at prediction moves nothing; column 1 is live
  const rows = Array.from({ length: 24 }, (_, i) => [Math.sin(i), Math.cos(i), 0])
  const data = datasetFromRows(rows, rows.map(([a, b]) => [a * b]))
  const opts: TrainOptions = { epochs: 5, batchSize: 8, optimizer: { type: 'adam', learningRate: 0.01 }, validationSplit: 0, seed: 3 }
  const weightsOf = (params: Float32Array | Float64Array, spec: NetworkSpec, name: string): number[] => {
    const p = createNetwork(spec, { params }).parameters.find((q) => q.name === name)!
    return Array.from(p.value)
  }

  it('get no weight in the first layer (its projection too, or the output layer without hidden ones), and do not move a prediction', () => {
    for (const spec of [
      { inputs: 3, layers: [{ units: 4, activation: 'tanh', residual: true }], output: { units: 1, activation: 'identity' } },
      { inputs: 3, layers: [], output: { units: 1, activation: 'identity' }, l2: 0.01 }
    ] as NetworkSpec[]) {
      const { params } = train(spec, data, opts)
      for (const name of spec.layers.length > 0 ? ['layers.0.linear.weight', 'layers.0.projection.weight'] : ['output.weight']) {
        const w = weightsOf(params, spec, name)
        const out = w.length / 3
        expect(Array.from({ length: out }, (_, o) => w[o * 3 + 2]), name).toEqual(Array(out).fill(0))
        expect(Array.from({ length: out }, (_, o) => w[o * 3 + 1]).some((v) => v !== 0), name).toBe(true)
      }
      const net = createNetwork(spec, { params })
      expect(Array.from(predict(net, Float32Array.of(0.5, 0.5, 7), 1))).toEqual(Array.from(predict(net, Float32Array.of(0.5, 0.5, 0), 1)))
    }
  })

  it('keep the weights a fine-tune starts from', () => {
    const spec: NetworkSpec = { inputs: 3, layers: [], output: { units: 1, activation: 'identity' } }
    const start = Float32Array.of(0.1, 0.2, 0.3, 0)
    const { params } = train(spec, data, opts, { initialParams: start })
    expect(weightsOf(params, spec, 'output.weight')[2]).toBeCloseTo(0.3, 6)
  })
})
