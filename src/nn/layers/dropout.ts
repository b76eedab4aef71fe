/**
 * Dropout (torch.nn.Dropout, Srivastava et al. 2014), inverted: in training a = x·m/(1 − p) with
 * m ~ Bernoulli(1 − p) per row and unit, so inference is the identity with no rescaling.
 * ∂x = ∂a·m/(1 − p), in place. The mask comes from Philox keyed by (seed, epoch, row id, unit) and
 * the layer's salt (its block), never from a stream: the same row gets the same mask whatever the
 * shard, thread count or resume, and a gradient check sees it held fixed.
 */
import type { Vec } from '../vec.js'
import { philox } from '../philox.js'
import { rowId, type Layer, type LayerDef, type Pass, type Slot } from './layer.js'

const words = new Uint32Array(4)
const TWO32 = 4294967296

export function dropout (units: number, p: number, salt: number): LayerDef {
  return { kind: 'dropout', inputs: units, units, params: [], make: () => dropoutLayer(units, p, salt) }
}

function dropoutLayer (n: number, p: number, salt: number): Layer {
  const scale = 1 / (1 - p)
  return {
    kind: 'dropout', inputs: n, units: n, params: [], inPlace: true, inner: [],
    scratchSize: { w: 0, rows: 0 },
    cacheSize: (batch) => batch * n,
    forward (x: Vec, s: Slot, B: number, _k, pass: Pass): void {
      const m = s.cache, a = s.out
      if (!pass.train) {
        for (let i = 0; i < B * n; i++) a[i] = x[i]
        m.fill(1, 0, B * n)
        return
      }
      for (let r = 0; r < B; r++) {
        const id = rowId(pass, r), o = r * n
        for (let u = 0; u < n; u += 4) {
          // one Philox call gives the uniforms of four units
          philox(words, u >>> 2, id, pass.epoch, salt, pass.seed, 0x64726f70 /* "drop" */)
          for (let j = 0; j < 4 && u + j < n; j++) m[o + u + j] = words[j] / TWO32 >= p ? scale : 0
        }
        for (let i = o; i < o + n; i++) a[i] = x[i] * m[i]
      }
    },
    // in place: dIn is s.d, ∂a on entry and ∂x on exit
    backward (_x: Vec, s: Slot, dIn: Vec | null, B: number): void {
      if (dIn === null) return
      const m = s.cache
      for (let i = 0; i < B * n; i++) dIn[i] *= m[i]
    }
  }
}
