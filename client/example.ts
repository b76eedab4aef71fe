// The README's client example (section "Typed client"), quoted there verbatim between the markers;
// test/client/client.test.ts checks the quote and runs this against a real server and worker.
// Run it against a running service: npx tsx client/example.ts [baseUrl] [csv file]
// (default http://127.0.0.1:$PORT or :3000, and test/fixtures/iris.csv).
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { createBackpropClient, followJob, uploadCsv, waitForJob } from './index.js'

export async function irisExample (baseUrl: string, csv: string) {
  // example:start
  const api = createBackpropClient({ baseUrl }) // add apiKey: '…' when the service has API_KEYS
  const dataset = await uploadCsv(api, csv, { name: 'iris', target: 'species' })
  const { data: job } = await api.POST('/v1/training-jobs', { body: {
    datasetId: dataset.id, modelName: 'iris', training: { optimizer: { type: 'adam', learningRate: 0.01 }, seed: 7 },
    network: { inputs: 4, layers: [{ units: 16, activation: 'tanh' }], output: { units: 3, activation: 'softmax' } }
  } })
  for await (const e of followJob(api, job!.id)) if (e.type === 'epoch' && e.stats.epoch % 100 === 0) console.log(e.stats.epoch, e.stats.loss)
  const done = await waitForJob(api, job!.id, { timeoutMs: 60_000 }) // the job with its history
  if (done.status !== 'succeeded') throw new Error(`the job ${done.status}: ${done.error ?? ''}`)
  const { data: prediction } = await api.POST('/v1/models/{id}/predict', {
    params: { path: { id: done.modelId } }, body: { inputs: [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]] }
  })
  console.log(prediction!.labels) // [ 'setosa', 'virginica' ]
  // example:end
  return { job: done, prediction: prediction! }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [baseUrl = `http://127.0.0.1:${process.env.PORT ?? 3000}`, file = 'test/fixtures/iris.csv'] = process.argv.slice(2)
  await irisExample(baseUrl, readFileSync(file, 'utf8'))
}
