// A REDIS_URL whose settings Redis refuses (a wrong password, none where one is needed, a database it does
// not have) stops the API and the worker at start with the reason, as real processes: waiting never fixes
// these, and an operator's trial saw a worker log "worker started" and wait for ever, and an API answer 503s.
import { spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedisServer, type RedisServer } from '../support/redis-server.js'

const PASSWORD = 'the-right-one-0123'
let server: RedisServer
beforeAll(async () => { server = await startRedisServer({ args: ['--requirepass', PASSWORD] }) })
afterAll(async () => { await server?.stop() })

/** Runs `bin` (api or worker) with REDIS_URL until it exits (at most 40 s): its exit code and its log lines. */
function run (bin: 'api' | 'worker', url: string): Promise<{ code: number | null, lines: Array<Record<string, unknown>>, text: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `src/bin/${bin}.ts`], {
      env: { ...process.env, REDIS_URL: url, PORT: '0', LOG_LEVEL: 'info', TRAIN_THREADS: '1', REDIS_PREFIX: '{refused}' }, stdio: ['ignore', 'pipe', 'pipe']
    })
    let text = ''
    child.stdout.on('data', (c: Buffer) => { text += c.toString() })
    child.stderr.on('data', (c: Buffer) => { text += c.toString() })
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${bin} still ran after 40 s: ${text.slice(0, 800)}`)) }, 40_000)
    child.on('exit', (code) => {
      clearTimeout(timer)
      const lines = text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>)
      resolve({ code, lines, text })
    })
  })
}

describe('a REDIS_URL whose settings Redis refuses', () => {
  it.each([
    ['api', 'a wrong password', (port: number) => `redis://default:not-it-4567@127.0.0.1:${port}`, /WRONGPASS/],
    ['worker', 'no password', (port: number) => `redis://127.0.0.1:${port}`, /NOAUTH/],
    ['worker', 'a database it does not have', (port: number) => `redis://default:${PASSWORD}@127.0.0.1:${port}/99`, /DB index is out of range/]
  ] as const)('stops the %s at start (%s), naming REDIS_URL and the reason, never the password', async (bin, _what, url, reason) => {
    const { code, lines, text } = await run(bin, url(server.port))
    expect(code, text).toBe(1)
    const fatal = lines.find((l) => l.level === 'fatal')
    expect(JSON.stringify(fatal)).toMatch(/REDIS_URL \(redis:\/\//)
    expect(JSON.stringify(fatal)).toMatch(reason)
    expect(lines.map((l) => l.msg)).not.toContain('worker started')
    expect(text).not.toContain('not-it-4567')
    expect(text).not.toContain(PASSWORD)
  }, 60_000)
})

describe('a Redis frozen at start (it accepts the connection and answers nothing)', () => {
  it('is waited for, not refused: the API listens and says Redis does not answer yet (the check had hung it at start, silent)', async () => {
    const frozen = await startRedisServer()
    frozen.freeze()
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/bin/api.ts'], {
      env: { ...process.env, REDIS_URL: frozen.url, PORT: '0', LOG_LEVEL: 'info', REDIS_PREFIX: '{frozen}' }, stdio: ['ignore', 'pipe', 'pipe']
    })
    let text = ''
    child.stdout.on('data', (c: Buffer) => { text += c.toString() })
    try {
      const deadline = Date.now() + 20_000
      while (!text.includes('redis does not answer yet') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
      expect(text).toContain('API listening; redis does not answer yet')
    } finally {
      child.kill('SIGKILL')
      frozen.thaw()
      await frozen.stop()
    }
  }, 40_000)
})
