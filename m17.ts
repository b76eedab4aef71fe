import { monitorEventLoopDelay } from 'node:perf_hooks'
import { pino } from 'pino'
import { startRedisServer } from './test/support/redis-server.js'
import { loadConfig } from './src/config.js'
import { startWorker } from './src/queue/worker-runner.js'
import { createRedis } from './src/store/redis.js'
import { createTrainingQueue } from './src/queue/training-queue.js'
import { createDatasetRepository } from './src/store/datasets.js'
import { datasetFromRows } from './src/nn/dataset.js'
import { columnStats } from './src/data/column-stats.js'
const server = await startRedisServer()
const config = loadConfig({ REDIS_URL: server.url, REDIS_PREFIX: '{m}', TRAIN_THREADS: '1', CHECKPOINT_EVERY_EPOCHS: '1', WORKER_LOCK_DURATION_MS: '5000', WORKER_STALLED_INTERVAL_MS: '2000' })
const h = monitorEventLoopDelay({ resolution: 10 }); h.enable()
const t0 = Date.now()
const el = (): string => ((Date.now() - t0) / 1000).toFixed(1)
setInterval(() => { if (h.max > 300e6) console.log(el(), 'lag max ms', (h.max / 1e6).toFixed(0)); h.reset() }, 1000).unref()
const w = await startWorker(config, pino({ level: 'info' }))
w.worker.on('locksRenewed', () => console.log(el(), 'renewed'))
const redis = createRedis(server.url)
const features = Array.from({ length: 3000 }, () => Array.from({ length: 10 }, () => Math.random() * 2 - 1))
const dataset = datasetFromRows(features, features.map((f) => [Math.sin(f[0])]))
const meta = await createDatasetRepository(redis, '{m}').put({ name: 'x', dataset, featureNames: Array.from({ length: 10 }, (_, i) => `f${i}`), targetNames: ['y'], featureStats: columnStats(dataset.x, dataset.rows, 10), targetStats: columnStats(dataset.y, dataset.rows, 1) })
const q = createTrainingQueue(redis, '{m}')
const id = await q.enqueue({ datasetId: meta.id, network: { inputs: 10, layers: [{ units: 2048, activation: 'relu' }, { units: 2048, activation: 'relu' }], output: { units: 1, activation: 'identity' } }, training: { epochs: 2, batchSize: 250, optimizer: { type: 'adam', learningRate: 0.001 }, validationSplit: 0.85, seed: 5, normalize: 'standard' } } as any)
for (;;) { const v = await q.get(id); if (v && ['succeeded', 'failed'].includes(v.status)) { console.log(el(), v.status, v.error, v.history.length); break } await new Promise((r) => setTimeout(r, 500)) }
await w.close(); await q.close(); await redis.quit(); await server.stop(); process.exit(0)
