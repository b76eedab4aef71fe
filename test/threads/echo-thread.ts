// A thread for the ThreadClient tests: doubles arrays (transferred back), throws coded errors, blocks, exits.
import { serveRequests } from '../../src/threads/thread-server.js'

export type EchoRequest =
  | { op: 'double', x: Float32Array<ArrayBuffer> }
  | { op: 'throw' }
  | { op: 'block' }
  | { op: 'exit' }
  | { op: 'crash' }

serveRequests((req: EchoRequest): Float32Array<ArrayBuffer> | undefined => {
  switch (req.op) {
    case 'double': return req.x.map((v) => 2 * v)
    case 'throw': throw Object.assign(new RangeError('row 3 is wrong'), { code: 'NN_ERR_TEST', statusCode: 422, problem: { row: 3 } })
    case 'block': Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); return undefined // never wakes
    case 'exit': process.exit(3)
    // eslint-disable-next-line no-fallthrough
    case 'crash': throw new Error('crashed on a notification')
  }
}, (out) => (out ? [out.buffer] : []))
