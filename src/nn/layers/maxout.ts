/**
 * Maxout (Goodfellow et al. 2013): a unit is the largest of its k pieces, a_j = max_p z[j·k + p],
 * over a Linear of units·k outputs grouped unit-major (unit j's pieces are contiguous, as
 * z.view(B, units, k).max(-1) in PyTorch). The gradient flows to the arg-max piece only; of equal
 * pieces the lowest index wins, the rule torch.max and numpy.argmax follow.
 */
import type { Vec } from '../vec.js'
import type { Layer, LayerDef, Slot } from './layer.js'

export function maxout (units: number, pieces: number): LayerDef {
  return { kind: 'maxout', inputs: units * pieces, units, params: [], make: () => maxoutLayer(units, pieces) }
}

function maxoutLayer (n: number, k: number): Layer {
  return {
    kind: 'maxout', inputs: n * k, units: n, params: [], inPlace: false, inner: [],
    scratchSize: { w: 0, rows: 0 },
    // the winning piece of each output (B × n), as a number
    cacheSize: (batch) => batch * n,
    forward (z: Vec, s: Slot, B: number): void {
      const a = s.out, arg = s.cache
      for (let i = 0; i < B * n; i++) {
        const o = i * k
        let best = 0
        // a NaN piece wins (torch.max propagates NaN): a unit must not hide an overflow upstream
        for (let p = 1; p < k; p++) if (z[o + p] > z[o + best] || (z[o + p] !== z[o + p] && z[o + best] === z[o + best])) best = p
        a[i] = z[o + best]
        arg[i] = best
      }
    },
    backward (_z: Vec, s: Slot, dIn: Vec | null, B: number): void {
      if (dIn === null) return
      const d = s.d, arg = s.cache
      dIn.fill(0, 0, B * n * k)
      for (let i = 0; i < B * n; i++) dIn[i * k + arg[i]] = d[i]
    }
  }
}
