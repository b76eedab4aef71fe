import { TrainingEngine } from '../src/engine/engine.js'
import { W1, w3Setup, predictW3 } from '../bench/workloads.js'
const engine = new TrainingEngine({ threads: 2 })
const { net, rows } = w3Setup()
const p = net.params as Float32Array
async function time (n: number, threads: number, reps: number): Promise<number> {
  await engine.predict(W1, p, rows, n, { threads, kernels: 'blas' })
  const ts: number[] = []
  for (let i = 0; i < reps; i++) { const t = performance.now(); await engine.predict(W1, p, rows, n, { threads, kernels: 'blas' }); ts.push(performance.now() - t) }
  ts.sort((a, b) => a - b); return ts[0]
}
for (let r = 0; r < 3; r++) {
  console.log('1 row T1 min ms', (await time(1, 1, 200)).toFixed(3), '2 rows T2', (await time(2, 2, 200)).toFixed(3), '1024 T1', (await time(1024, 1, 20)).toFixed(2), '1024 T2', (await time(1024, 2, 20)).toFixed(2), 'inproc rows/s', predictW3(net, rows, 'blas').rowsPerS.toFixed(0))
}
await engine.close()
