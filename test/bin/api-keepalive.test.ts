// SIGTERM to an API process that keep-alive clients hold: idle keep-alive sockets and an open event
// stream must not keep it alive, and a request in flight on a keep-alive socket is answered with
// Connection: close. It exits 0 in under 5 s (the deadline is 30 s; before, an idle
// keep-alive socket held it that long and it exited 1).
import { spawn } from 'node:child_process'
import { Agent, request } from 'node:http'
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { freePort } from '../support/redis-server.js'

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

function get (url: string, agent: Agent): Promise<{ status: number, connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }))
    }).on('error', reject).end()
  })
}

describe('API shutdown with keep-alive clients', () => {
  it('closes idle keep-alive sockets and event streams, answers the request in flight with Connection: close, and exits 0 in under 5 s', async () => {
    const port = await freePort()
    const api = spawn(process.execPath, ['--import', 'tsx', 'src/bin/api.ts'], {
      env: { ...process.env, PORT: String(port), LOG_LEVEL: 'silent', REDIS_PREFIX: `{test-keepalive-${randomUUID().slice(0, 8)}}` },
      stdio: 'ignore'
    })
    const exited = new Promise<number | null>((resolve) => api.once('exit', (code) => resolve(code)))
    try {
      const base = `http://127.0.0.1:${port}`
      for (let i = 0; i < 200; i++) { try { if ((await fetch(`${base}/healthz`)).ok) break } catch { /* not up yet */ } await sleep(50) }

      // a job nobody trains (no worker runs), followed by an event stream that would stay open
      const upload = await fetch(`${base}/v1/datasets?target=species`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: readFileSync('test/fixtures/iris.csv', 'utf8') })
      const datasetId = (await upload.json() as { id: string }).id
      const job = await fetch(`${base}/v1/training-jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ datasetId, network: { inputs: 4, layers: [], output: { units: 3, activation: 'softmax' } }, training: { epochs: 1, batchSize: 8, optimizer: { type: 'sgd', learningRate: 0.1 } } })
      })
      const jobId = (await job.json() as { id: string }).id
      const streamEnded = new Promise<void>((resolve, reject) => {
        request(`${base}/v1/training-jobs/${jobId}/events`, { agent: false }, (res) => { res.resume(); res.on('end', resolve); res.on('error', resolve) }).on('error', reject).end()
      })

      // three keep-alive sockets, idle after their requests
      const agent = new Agent({ keepAlive: true, maxSockets: 3 })
      const answers = await Promise.all([1, 2, 3].map(async () => await get(`${base}/healthz`, agent)))
      expect(answers.every((a) => a.status === 200 && a.connection === 'keep-alive')).toBe(true)
      await sleep(200)
      expect(Object.values(agent.freeSockets).flat().length).toBe(3)

      // and a keep-alive client with a request in flight: an upload whose second half is sent after SIGTERM
      const busy = new Agent({ keepAlive: true })
      const body = JSON.stringify({ name: 'in-flight', features: Array.from({ length: 2000 }, (_, i) => [i, i % 7]), targets: Array.from({ length: 2000 }, (_, i) => i % 3) })
      let sendRest = (): void => undefined
      const inFlight = new Promise<{ status: number, connection: string | undefined, ended: number }>((resolve, reject) => {
        const req = request(`${base}/v1/datasets`, { method: 'POST', agent: busy, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
          res.resume()
          res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, ended: Date.now() }))
        })
        req.on('error', reject)
        req.write(body.slice(0, body.length / 2))
        sendRest = () => { req.end(body.slice(body.length / 2)) }
      })
      await sleep(200)

      const signalled = Date.now()
      api.kill('SIGTERM')
      await sleep(300)
      sendRest()
      // the request in flight is answered, and told that its connection closes
      const answered = await inFlight
      expect(answered).toMatchObject({ status: 201, connection: 'close' })
      expect(await exited).toBe(0)
      expect(Date.now() - signalled).toBeLessThan(5000)
      await streamEnded
      agent.destroy()
      busy.destroy()
    } finally {
      if (api.exitCode === null) api.kill('SIGKILL')
    }
  })
})
