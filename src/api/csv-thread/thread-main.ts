// CSV thread entry: builds each dataset and posts it back, or the error with its problem fields.
import { parentPort } from 'node:worker_threads'
import { handleCsv } from './handle.js'
parentPort!.on('message', (msg) => parentPort!.postMessage(handleCsv(msg)))
