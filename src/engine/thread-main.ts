// Pool thread entry: hands each message to the synchronous handler, which posts results back.
import { parentPort } from 'node:worker_threads'
import { handle } from './thread-handler.js'
parentPort!.on('message', (msg) => { handle(msg, (m) => parentPort!.postMessage(m)); parentPort!.postMessage({ type: 'released' }) })
