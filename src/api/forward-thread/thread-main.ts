// Forward thread entry: holds the models it is sent and answers each run or body with its outputs (transferred).
import { workerData } from 'node:worker_threads'
import { serveRequests } from '../../threads/thread-server.js'
import { createModelsOnThread } from './models-on-thread.js'
import type { FromThread, ToThread } from './protocol.js'
import type { KernelName } from '../../kernels/index.js'

const models = createModelsOnThread((workerData as { kernels: KernelName }).kernels)

function handle (msg: ToThread): FromThread | undefined {
  switch (msg.type) {
    case 'load': models.load(msg.id, msg.spec, msg.params, msg.norm); return undefined
    case 'drop': models.drop(msg.id); return undefined
    case 'clear': models.clear(); return undefined
    case 'run': return models.run(msg.id, msg.x, msg.rows)
    case 'body': return models.runBody(msg.id, msg.bytes, msg.maxRows)
  }
}

serveRequests(handle, (out) => (out instanceof Float32Array ? [out.buffer] : out?.kind === 'outputs' ? [out.out.buffer] : []))
