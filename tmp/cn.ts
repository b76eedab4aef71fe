import { createNetwork } from '../src/nn/network.js'
import { W1 } from '../bench/workloads.js'
import { selectKernels } from '../src/kernels/index.js'
const p = new Float32Array(new SharedArrayBuffer(4 * 235146 * 1))
for (let r = 0; r < 3; r++) {
  let t = performance.now()
  for (let i = 0; i < 2000; i++) { const net = createNetwork(W1, { params: new Float32Array(p.buffer) }); JSON.stringify(net.layers.map((l) => [l.inputs, l.units])) }
  const a = (performance.now() - t) / 2000 * 1000
  t = performance.now()
  for (let i = 0; i < 2000; i++) selectKernels('blas')
  console.log('createNetwork+key µs', a.toFixed(1), 'selectKernels µs', ((performance.now() - t) / 2000 * 1000).toFixed(1))
}
