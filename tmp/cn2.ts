import { checkSpec } from '../src/nn/spec.js'
import { decayMask, layerDefs, makeLayers, defsParameterCount } from '../src/nn/layers/build.js'
import { W1 } from '../bench/workloads.js'
const p = new Float32Array(235146)
const T = (name: string, f: () => unknown): void => { f(); const t = performance.now(); for (let i = 0; i < 1000; i++) f(); console.log(name, ((performance.now() - t)).toFixed(1), 'µs') }
for (let r = 0; r < 2; r++) {
  T('checkSpec', () => checkSpec(W1))
  const defs = layerDefs(W1)
  T('layerDefs', () => layerDefs(W1))
  T('count', () => defsParameterCount(defs))
  T('makeLayers', () => makeLayers(defs, p))
  T('decayMask', () => decayMask(defs))
}
