// Pool thread entry: hands each message to the synchronous handler, which posts results back.
// A checkpoint or a result carries fresh copies of the weights and optimiser state (megabytes for a
// large network): their buffers are transferred, not copied, so the receiving event loop (a worker
// that must keep renewing its job's lock) does not spend O(parameters) deserialising them.
import { parentPort } from 'node:worker_threads'
import { handle } from './thread-handler.js'
import type { FromThread } from './protocol.js'

/** Whole, unshared ArrayBuffers of the typed arrays in a value (views of a larger buffer stay copied). */
function ownBuffers (value: unknown, out = new Set<ArrayBuffer>()): Set<ArrayBuffer> {
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer && value.byteOffset === 0 && value.byteLength === value.buffer.byteLength) out.add(value.buffer)
  } else if (Array.isArray(value)) {
    for (const v of value) ownBuffers(v, out)
  } else if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) ownBuffers(v, out)
  }
  return out
}

const post = (m: FromThread): void => {
  parentPort!.postMessage(m, m.type === 'checkpoint' || m.type === 'done' ? [...ownBuffers(m)] : [])
}
parentPort!.on('message', (msg) => { handle(msg, post); parentPort!.postMessage({ type: 'released' }) })
