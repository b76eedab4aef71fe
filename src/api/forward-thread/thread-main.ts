// Forward thread entry: holds the models it is sent and answers each run with its outputs (transferred).
import { parentPort, workerData } from 'node:worker_threads'
import { createModelsOnThread } from './models-on-thread.js'
import type { FromThread, ToThread } from './protocol.js'
import type { KernelName } from '../../kernels/index.js'

const models = createModelsOnThread((workerData as { kernels: KernelName }).kernels)
const port = parentPort!

port.on('message', (msg: ToThread) => {
  switch (msg.type) {
    case 'load': models.load(msg.id, msg.spec, msg.params); break
    case 'drop': models.drop(msg.id); break
    case 'clear': models.clear(); break
    case 'run': {
      let reply: FromThread
      try {
        reply = { seq: msg.seq, out: models.run(msg.id, msg.x, msg.rows) }
      } catch (err) {
        reply = { seq: msg.seq, error: (err as Error).message }
      }
      port.postMessage(reply, 'out' in reply ? [reply.out.buffer] : [])
    }
  }
})
