// SIGTERM to the API process: it stops taking connections but finishes the request in flight, then exits 0.
import { spawn } from 'node:child_process'
import { request } from 'node:http'
import { randomUUID } from 'node:crypto'
import { describe, it, expect } from 'vitest'
import { freePort } from '../support/redis-server.js'

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

describe('API shutdown (src/bin/api.ts)', () => {
  it('finishes an in-flight upload after SIGTERM, refuses new connections, and exits 0', async () => {
    const port = await freePort()
    const api = spawn(process.execPath, ['--import', 'tsx', 'src/bin/api.ts'], {
      env: { ...process.env, PORT: String(port), LOG_LEVEL: 'silent', REDIS_PREFIX: `{test-shutdown-${randomUUID().slice(0, 8)}}` },
      stdio: 'ignore'
    })
    const exited = new Promise<number | null>((resolve) => api.once('exit', (code) => resolve(code)))
    try {
      const base = `http://127.0.0.1:${port}`
      for (let i = 0; i < 200; i++) { try { if ((await fetch(`${base}/healthz`)).ok) break } catch { /* not up yet */ } await sleep(50) }

      // a dataset upload whose body arrives in two halves, with SIGTERM in between
      let newConnection: Promise<number | string> | undefined
      const body = JSON.stringify({ name: 'in-flight', features: Array.from({ length: 2000 }, (_, i) => [i, i % 7]), targets: Array.from({ length: 2000 }, (_, i) => i % 3) })
      const response = new Promise<{ status: number, text: string }>((resolve, reject) => {
        const req = request(`${base}/v1/datasets`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
          let text = ''
          res.on('data', (c: Buffer) => { text += c.toString() })
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
        })
        req.on('error', reject)
        req.write(body.slice(0, body.length / 2))
        setTimeout(() => {
          api.kill('SIGTERM')
          // new clients are turned away once shutdown has begun, while the upload is still open;
          // only then does the rest of its body go out (polling, so a slow machine does not race)
          newConnection = (async () => {
            for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(20)) {
              const outcome = await fetch(`${base}/healthz`).then((r) => r.status, (err: Error) => err.message)
              if (outcome !== 200) return outcome
            }
            return 'still accepting'
          })()
          void newConnection.then(() => req.end(body.slice(body.length / 2)))
        }, 200)
      })
      const done = await response
      expect(done.status).toBe(201)
      expect(JSON.parse(done.text)).toMatchObject({ rows: 2000, inputs: 2 })
      expect(await newConnection).toBe('fetch failed')
      expect(await exited).toBe(0)
      await expect(fetch(`${base}/healthz`)).rejects.toThrow()
    } finally {
      if (api.exitCode === null) api.kill('SIGKILL')
    }
  })
})
