/**
 * A sweep's configurations: the grid fields' cartesian product, each combined with `trials` seeded
 * draws of the random fields (Ray Tune's grid_search × num_samples), and each configuration written
 * into a copy of the base job at its dotted paths. Pure: no I/O; the same seed gives the same trials.
 */
import { Rng } from '../nn/random.js'
import type { Distribution } from '../schemas/sweep.js'
import { counted } from '../nn/counted.js'

/** One configuration: field path → value. */
export type TrialParams = Record<string, unknown>

/**
 * The grid's points in scikit-learn's ParameterGrid order: fields sorted by path, the last varying
 * fastest (itertools.product over the sorted items), so trial numbers are GridSearchCV's candidate
 * indices and a tie in the ranking goes to the candidate its refit would take.
 */
function gridPoints (space: Readonly<Record<string, Distribution>>): TrialParams[] {
  let points: TrialParams[] = [{}]
  const paths = Object.keys(space).filter((path) => space[path].type === 'grid').sort(byCodePoint)
  for (const path of paths) {
    const d = space[path]
    if (d.type !== 'grid') continue
    points = points.flatMap((p) => d.values.map((v) => ({ ...p, [path]: v })))
  }
  return points
}

/** Python's str ordering (code points), which ParameterGrid's sorted() uses; < on JS strings compares UTF-16 units. */
function byCodePoint (a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0) ?? 0), y = [...b].map((c) => c.codePointAt(0) ?? 0)
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i]
  return x.length - y.length
}

/** How many configurations a search space gives, without drawing them (admission checks it first). */
export function trialCount (space: Readonly<Record<string, Distribution>>, trials: number): number {
  return Object.values(space).reduce((n, d) => n * (d.type === 'grid' ? d.values.length : 1), trials)
}

function draw (d: Distribution, rng: Rng): unknown {
  switch (d.type) {
    case 'grid': throw new RangeError('grid fields are not drawn')
    case 'choice': return d.values[rng.int(d.values.length)]
    case 'uniform': return rng.uniform(d.low, d.high)
    case 'loguniform': return Math.exp(rng.uniform(Math.log(d.low), Math.log(d.high)))
    case 'randint': return d.low + rng.int(d.high - d.low)
  }
}

/** A value's JSON with every object's keys sorted: {"type": "adam", "learningRate": 0.1} and its reordering are one value. */
export function canonical (value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`
  }
  return JSON.stringify(value)
}

/** A value a grid lists twice (as canonical JSON: key order aside), or undefined. */
export function repeatedGridValue (d: Distribution): unknown {
  if (d.type !== 'grid') return undefined
  const seen = new Set<string>()
  for (const v of d.values) {
    const key = canonical(v)
    if (seen.has(key)) return v
    seen.add(key)
  }
  return undefined
}

/** How many distinct values a random field draws from: Infinity for a continuous one. */
const distinctValues = (d: Distribution): number => {
  switch (d.type) {
    case 'choice': return new Set(d.values.map(canonical)).size
    case 'randint': return d.high - d.low
    case 'grid': return 1
    default: return Infinity
  }
}

/**
 * How many distinct configurations the random fields give together, and how (`a: 2 choices × b: 3
 * integers`): finite only when every one is discrete (choice, randint). Draws from a finite set are
 * made without repeats, so `trials` may not exceed it.
 */
export function randomConfigurations (space: Readonly<Record<string, Distribution>>): { count: number, product: string } {
  const random = Object.entries(space).filter(([, d]) => d.type !== 'grid')
  return {
    count: random.reduce((n, [, d]) => n * distinctValues(d), 1),
    product: random.map(([path, d]) => `${path}: ${counted(distinctValues(d), d.type === 'choice' ? 'value' : 'integer')}`).join(' × ')
  }
}

/**
 * The configurations in trial order: for each of `trials` samples, every grid point in
 * ParameterGrid's order (fields sorted by path, the last varying fastest). Random fields are drawn in the order they are given. When every
 * random field is discrete, a grid point never gets the same draw twice (a repeat is drawn again, as
 * scikit-learn's ParameterSampler samples lists without replacement): two trials of one configuration
 * would train alike, seed and all, and take a place in the ranking twice. RangeError when `trials`
 * exceeds the distinct draws (admission refuses that first).
 */
export function expandSearchSpace (space: Readonly<Record<string, Distribution>>, trials: number, seed: number): TrialParams[] {
  const rng = new Rng(seed)
  const random = Object.entries(space).filter(([, d]) => d.type !== 'grid')
  const { count } = randomConfigurations(space)
  const distinct = random.length > 0 && Number.isFinite(count)
  if (distinct && trials > count) throw new RangeError(`${trials} trials of ${count} distinct configurations`)
  const points = gridPoints(space)
  const drawn = points.map(() => new Set<string>())
  const out: TrialParams[] = []
  for (let s = 0; s < trials; s++) {
    points.forEach((point, p) => {
      let params: TrialParams
      do {
        params = { ...point }
        for (const [path, d] of random) params[path] = draw(d, rng)
      } while (distinct && !fresh(drawn[p], random.map(([path]) => params[path])))
      // keep the request's field order in the results table
      out.push(Object.fromEntries(Object.keys(space).map((k) => [k, params[k]])))
    })
  }
  return out
}

/** Whether `values` is a draw not in `seen` (then added). */
function fresh (seen: Set<string>, values: readonly unknown[]): boolean {
  const key = canonical(values)
  if (seen.has(key)) return false
  seen.add(key)
  return true
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * A deep copy of `base` with each path set; objects missing on the way are created. A path through
 * an array takes a numeric step (`network.layers.0.units`); one that would index past its end, or
 * step into a number or string, is an error naming the path.
 */
export function applyParams (base: Readonly<Record<string, unknown>>, params: TrialParams): Record<string, unknown> {
  const job = structuredClone(base) as Record<string, unknown>
  for (const [path, value] of Object.entries(params)) {
    const steps = path.split('.')
    let node: unknown = job
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]
      const last = i === steps.length - 1
      if (Array.isArray(node)) {
        const index = Number(step)
        if (!Number.isInteger(index) || index < 0 || index >= node.length) {
          throw new RangeError(`${path}: ${steps.slice(0, i).join('.')} has ${counted(node.length, 'entry', 'entries')}; '${step}' is not one of them`)
        }
        if (last) node[index] = structuredClone(value)
        else node = node[index]
      } else if (isRecord(node)) {
        // own members only, defined rather than assigned: a step named `__proto__` would otherwise reach (or replace) the prototype
        // that every object shares (the schema's PARAM_PATH refuses such paths; this holds without it)
        if (last) Object.defineProperty(node, step, { value: structuredClone(value), writable: true, enumerable: true, configurable: true })
        else {
          if (!Object.hasOwn(node, step)) Object.defineProperty(node, step, { value: {}, writable: true, enumerable: true, configurable: true })
          node = node[step]
        }
      } else {
        throw new RangeError(`${path}: ${steps.slice(0, i).join('.')} is ${JSON.stringify(node)}, not an object to set '${step}' in`)
      }
    }
  }
  return job
}
