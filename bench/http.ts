/**
 * npm run bench:http -- [--duration 30] [--rounds 3] [--connections 100] [--warmup 2]
 * Predictions over HTTP on a W1-sized model (784-256-128-10, random weights imported as JSON) while a
 * W1 training job runs in a worker process, then the same load against a bare Fastify route that
 * answers the same JSON body: the HTTP limit of this machine. API, worker and bare server are child
 * processes; autocannon drives both from this one. A measurement script, never a test.
 *
 * Each target gets `duration` seconds of load in `rounds` alternating slices (predict, bare, predict,
 * bare, …): on shared cores the machine's speed drifts over a minute (neighbours, the training job's
 * checkpoints), and alternating gives both targets the same share of that drift.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import Fastify from 'fastify'
import { pino } from 'pino'
import { startEmbeddedRedis, type EmbeddedRedis } from '../src/bin/embedded-redis.js'
import { freePort } from '../test/support/redis-server.js'

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '30' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '100' },
    warmup: { type: 'string', default: '2' },
    // internal: this file is also the bare server's child process
    'bare-port': { type: 'string' }
  }
})

interface Figures { rps: number, p50: number, p99: number, errors: number, timeouts: number, non2xx: number, total: number, cpuPerRequestUs: number }

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Seeded uniform numbers, so every run imports the same model and trains on the same rows. */
function uniform (seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = Math.imul(s ^ (s >>> 15), 1 | s)
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function child (args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] })
}

async function waitUp (url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try { if ((await fetch(url)).ok) return } catch { /* not listening yet */ }
    await sleep(100)
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`)
}

async function json (url: string, init: RequestInit = {}): Promise<Record<string, unknown>> {
  const res = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...init.headers } })
  const body = await res.json() as Record<string, unknown>
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`)
  return body
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); NaN elsewhere. */
function cpuSeconds (pid: number | undefined): number {
  try {
    // fields after the command's closing parenthesis: utime and stime are the 12th and 13th
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return Number.NaN
  }
}

/** Load on `url`; `server` is the serving process, whose CPU per request is reported (the figure the noise of shared cores moves least). */
async function load (url: string, body: string, seconds: number, connections: number, server?: ChildProcess): Promise<Figures> {
  const cpu = cpuSeconds(server?.pid)
  const r = await autocannon({ url, method: 'POST', body, headers: { 'content-type': 'application/json' }, connections, duration: seconds })
  return {
    rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99,
    errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx, total: r.requests.total,
    cpuPerRequestUs: 1e6 * (cpuSeconds(server?.pid) - cpu) / r.requests.total
  }
}

/** Slices of one target as one run: rates and CPU from the totals, the median p50, the worst p99. */
function combine (slices: Figures[]): Figures {
  const sum = (f: (x: Figures) => number): number => slices.reduce((acc, x) => acc + f(x), 0)
  const total = sum((x) => x.total)
  const p50s = slices.map((x) => x.p50).sort((a, b) => a - b)
  return {
    rps: total / sum((x) => x.total / x.rps),
    p50: p50s[Math.floor(p50s.length / 2)],
    p99: Math.max(...slices.map((x) => x.p99)),
    errors: sum((x) => x.errors), timeouts: sum((x) => x.timeouts), non2xx: sum((x) => x.non2xx), total,
    cpuPerRequestUs: sum((x) => x.cpuPerRequestUs * x.total) / total
  }
}

async function main (): Promise<void> {
  const duration = Number(values.duration)
  const rounds = Math.max(1, Number(values.rounds))
  const connections = Number(values.connections)
  const warmup = Number(values.warmup)
  const prefix = `{bench-http-${randomUUID().slice(0, 8)}}`
  const children: ChildProcess[] = []
  let redis: EmbeddedRedis | undefined
  let dataDir: string | undefined
  try {
    let redisUrl = process.env.REDIS_URL
    if (!redisUrl) {
      dataDir = mkdtempSync(join(tmpdir(), 'bench-http-'))
      redis = await startEmbeddedRedis(dataDir, pino({ level: 'silent' }))
      redisUrl = redis.url
    }
    const apiPort = await freePort()
    const barePort = await freePort()
    // the limiter stays in the path (one Redis call per request, as in production) but never refuses
    const env = { REDIS_URL: redisUrl, REDIS_PREFIX: prefix, LOG_LEVEL: 'warn', TRAIN_THREADS: '1', RATE_LIMIT_PER_MINUTE: process.env.RATE_LIMIT_PER_MINUTE ?? '1000000000' }
    const apiProcess = child(['src/bin/api.ts'], { ...env, PORT: String(apiPort), HOST: '127.0.0.1' })
    children.push(apiProcess)
    children.push(child(['src/bin/worker.ts'], env))
    const api = `http://127.0.0.1:${apiPort}`
    await waitUp(`${api}/readyz`)

    // ---- a W1-sized model with random weights, through the JSON import endpoint
    const rand = uniform(1)
    const sizes = [784, 256, 128, 10]
    const layers = sizes.slice(1).map((units, l) => ({
      W: Array.from({ length: units }, () => Array.from({ length: sizes[l] }, () => (rand() - 0.5) * 0.1)),
      b: Array.from({ length: units }, () => 0)
    }))
    const network = { inputs: 784, layers: [{ units: 256, activation: 'relu' }, { units: 128, activation: 'relu' }], output: { units: 10, activation: 'softmax' } }
    const model = await json(`${api}/v1/models`, { method: 'POST', body: JSON.stringify({ format: 'backprop.model', version: 1, network, layers, name: 'bench-w1' }) })

    // ---- a W1 training job that runs all through both measurements (cancelled at the end)
    const rows = 2000
    const features = Array.from({ length: rows }, () => Array.from({ length: 784 }, () => Math.round(rand() * 255)))
    const targets = Array.from({ length: rows }, (_, i) => String(i % 10))
    const dataset = await json(`${api}/v1/datasets`, { method: 'POST', body: JSON.stringify({ features, targets, name: 'bench-random-784' }) })
    const job = await json(`${api}/v1/training-jobs`, {
      method: 'POST',
      body: JSON.stringify({ datasetId: dataset.id, network, training: { epochs: 10_000, batchSize: 64, optimizer: { type: 'adam', learningRate: 0.001 }, earlyStopping: false } })
    })
    for (let i = 0; i < 300; i++) {
      const status = (await json(`${api}/v1/training-jobs/${String(job.id)}`)).status
      if (status === 'running') break
      if (status !== 'queued') throw new Error(`the training job is ${String(status)}`)
      await sleep(100)
    }

    const row = Array.from({ length: 784 }, () => Math.round(rand() * 255))
    const body = JSON.stringify({ inputs: [row] })
    const predictUrl = `${api}/v1/models/${String(model.id)}/predict`
    const answer = await fetch(predictUrl, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
    const answerText = await answer.text()
    if (!answer.ok) throw new Error(`predict answered ${answer.status}: ${answerText}`)

    const bareProcess = child(['bench/http.ts', '--bare-port', String(barePort)], { BENCH_BODY: answerText })
    children.push(bareProcess)
    const bare = `http://127.0.0.1:${barePort}`
    await waitUp(`${bare}/healthz`)

    console.log(`# bench:http  ${connections} connections, ${duration} s each in ${rounds} alternating rounds (after ${warmup} s warm-up), one 784-wide row per request`)
    console.log(`# response body ${answerText.length} bytes; training job ${String(job.id)} running in a worker process throughout`)
    if (warmup > 0) {
      await load(predictUrl, body, warmup, connections)
      await load(`${bare}/predict`, body, warmup, connections)
    }
    const epochsBefore = ((await json(`${api}/v1/training-jobs/${String(job.id)}`)).progress as { epoch: number }).epoch
    const slices: Array<[Figures, Figures]> = []
    for (let r = 0; r < rounds; r++) {
      const p = await load(predictUrl, body, duration / rounds, connections, apiProcess)
      const b = await load(`${bare}/predict`, body, duration / rounds, connections, bareProcess)
      console.log(`# round ${r + 1}: predict ${p.rps.toFixed(0)} req/s, bare ${b.rps.toFixed(0)} req/s, ${(100 * p.rps / b.rps).toFixed(1)}%`)
      slices.push([p, b])
    }
    const predict = combine(slices.map(([p]) => p))
    const limit = combine(slices.map(([, b]) => b))
    const after = await json(`${api}/v1/training-jobs/${String(job.id)}`)

    const line = (name: string, f: Figures): string =>
      `${name.padEnd(22)} ${f.rps.toFixed(0).padStart(8)} ${String(f.p50).padStart(8)} ${String(f.p99).padStart(8)} ${String(f.errors + f.timeouts).padStart(7)} ${String(f.non2xx).padStart(7)} ${String(f.total).padStart(9)} ${f.cpuPerRequestUs.toFixed(1).padStart(12)}`
    console.log(`${'target'.padEnd(22)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'errors'.padStart(7)} ${'non-2xx'.padStart(7)} ${'requests'.padStart(9)} ${'server CPU µs/req'.padStart(12)}`)
    console.log(line('predict (W1, API)', predict))
    console.log(line('bare Fastify route', limit))
    console.log(`ratio predict / bare: ${(100 * predict.rps / limit.rps).toFixed(1)}%  (goal ≥ 80%); server CPU per request, bare / predict: ${(100 * limit.cpuPerRequestUs / predict.cpuPerRequestUs).toFixed(1)}%`)
    console.log(`training job: status ${String(after.status)}, epochs ${epochsBefore} → ${String((after.progress as { epoch: number }).epoch)} during the measurement`)
    // random targets: with the default early stopping the job ended after ~11 epochs, before the first
    // round, and the figures were those of an idle machine (2026-11-30); a measurement without its load is void
    if (after.status !== 'running') throw new Error(`the training job was ${String(after.status)} at the end of the measurement, not running: these figures are not under training load`)

    await fetch(`${api}/v1/training-jobs/${String(job.id)}/cancel`, { method: 'POST' })
  } finally {
    for (const c of children.reverse()) {
      if (c.exitCode !== null) continue
      await new Promise<void>((resolve) => { c.once('exit', () => resolve()); c.kill('SIGTERM') })
    }
    if (redis) await redis.stop()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  }
}

// ---- child mode: the bare Fastify route, parsing the same request and answering the same bytes
if (values['bare-port']) {
  const app = Fastify({ logger: false, bodyLimit: 50 * 1024 * 1024 })
  const body = process.env.BENCH_BODY ?? '{}'
  app.post('/predict', async (_request, reply) => reply.type('application/json; charset=utf-8').send(body))
  app.get('/healthz', async () => ({ status: 'ok' }))
  await app.listen({ port: Number(values['bare-port']), host: '127.0.0.1' })
  process.on('SIGTERM', () => { void app.close().then(() => process.exit(0)) })
} else {
  await main()
}
