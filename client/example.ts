// The README's client example (section "Typed client"), quoted there verbatim between the markers;
// test/client/client.test.ts checks the quote and runs this against a real server and worker.
import { createBackpropClient, waitForJob } from './index.js'

export async function irisExample (baseUrl: string, csv: string) {
  // example:start
  const api = createBackpropClient({ baseUrl }) // add apiKey: '…' when the service has API_KEYS
  const { data: dataset } = await api.POST('/v1/datasets', {
    params: { query: { name: 'iris', target: 'species' } }, body: csv, headers: { 'content-type': 'text/csv' }, bodySerializer: (text) => text
  })
  const { data: job } = await api.POST('/v1/training-jobs', { body: {
    datasetId: dataset!.id, modelName: 'iris', training: { optimizer: { type: 'adam', learningRate: 0.01 }, seed: 7 },
    network: { inputs: 4, layers: [{ units: 16, activation: 'tanh' }], output: { units: 3, activation: 'softmax' } }
  } })
  const done = await waitForJob(api, job!.id)
  const { data: prediction } = await api.POST('/v1/models/{id}/predict', {
    params: { path: { id: done.modelId! } }, body: { inputs: [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]] }
  })
  console.log(prediction!.labels) // [ 'setosa', 'virginica' ]
  // example:end
  return { job: done, prediction: prediction! }
}
