// Forward thread entry: holds the models it is sent and answers each run or body with its outputs (transferred).
import { parentPort, workerData } from 'node:worker_threads'
import { createModelsOnThread } from './models-on-thread.js'
import type { FromThread, ToThread } from './protocol.js'
import type { KernelName } from '../../kernels/index.js'

const models = createModelsOnThread((workerData as { kernels: KernelName }).kernels)
const port = parentPort!

function answer (seq: number, compute: () => FromThread): void {
  let reply: FromThread
  try {
    reply = compute()
  } catch (err) {
    reply = { seq, error: (err as Error).message }
  }
  const transfer = 'out' in reply ? [reply.out.buffer] : 'body' in reply && reply.body.kind === 'outputs' ? [reply.body.out.buffer] : []
  port.postMessage(reply, transfer)
}

port.on('message', (msg: ToThread) => {
  switch (msg.type) {
    case 'load': models.load(msg.id, msg.spec, msg.params, msg.norm); break
    case 'drop': models.drop(msg.id); break
    case 'clear': models.clear(); break
    case 'run': answer(msg.seq, () => ({ seq: msg.seq, out: models.run(msg.id, msg.x, msg.rows) })); break
    case 'body': answer(msg.seq, () => ({ seq: msg.seq, body: models.runBody(msg.id, msg.bytes, msg.maxRows) }))
  }
})
