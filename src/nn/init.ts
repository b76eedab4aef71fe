/**
 * Weight initialisers (Glorot for saturating units, He for rectifiers), each filling one weight
 * tensor from the one seeded PRNG; the layer records (layers/) call them in parameter order.
 */
import type { Vec } from './vec.js'
import type { InitializerName } from './spec.js'
import type { Rng } from './random.js'

type Fill = (w: Vec, from: number, to: number, fanIn: number, fanOut: number, rng: Rng) => void

const uniform = (limit: number, w: Vec, from: number, to: number, rng: Rng): void => {
  for (let i = from; i < to; i++) w[i] = rng.uniform(-limit, limit)
}
const normal = (std: number, w: Vec, from: number, to: number, rng: Rng): void => {
  for (let i = from; i < to; i++) w[i] = std * rng.normal()
}

const initializers: Record<InitializerName, Fill> = {
  // Var = 2 / (fanIn + fanOut): keeps activations and gradients the same scale both ways (Glorot & Bengio 2010)
  glorot_uniform: (w, from, to, fi, fo, rng) => uniform(Math.sqrt(6 / (fi + fo)), w, from, to, rng),
  glorot_normal: (w, from, to, fi, fo, rng) => normal(Math.sqrt(2 / (fi + fo)), w, from, to, rng),
  // Var = 2 / fanIn: rectifiers zero half their inputs (He et al. 2015)
  he_uniform: (w, from, to, fi, _fo, rng) => uniform(Math.sqrt(6 / fi), w, from, to, rng),
  he_normal: (w, from, to, fi, _fo, rng) => normal(Math.sqrt(2 / fi), w, from, to, rng)
}

/** Fills all of w (a weight tensor of fanOut × fanIn values) with the named initialiser. */
export function initialize (name: InitializerName, w: Vec, fanIn: number, fanOut: number, rng: Rng): void {
  initializers[name](w, 0, w.length, fanIn, fanOut, rng)
}
