// Dataset thread entry: builds each dataset (CSV or JSON) and posts it back, or the error with its problem fields.
import { parentPort } from 'node:worker_threads'
import { handleDatasetRequest } from './handle.js'
parentPort!.on('message', (msg) => parentPort!.postMessage(handleDatasetRequest(msg)))
