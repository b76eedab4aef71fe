import { killOwn, ownProcess } from '../support/own-process.js'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createServer, type AddressInfo } from 'node:net'
import { afterAll, describe, it, expect } from 'vitest'
import { freePort } from '../support/redis-server.js'

const dirs: string[] = []
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }) })

/** `npm start`'s entry under tsx, with REDIS_URL unset and a private data directory. */
function launch (env: Record<string, string>): ReturnType<typeof launchEntry> {
  return launchEntry('src/bin/start.ts', env)
}

/** An entry point (src/bin/*.ts) under tsx, with REDIS_URL unset. */
function launchEntry (entry: string, env: Record<string, string>): { child: ChildProcess, lines: () => Record<string, unknown>[], stderr: () => string, exited: Promise<number | null> } {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'REDIS_URL')) as Record<string, string>
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...base, LOG_LEVEL: 'info', TRAIN_THREADS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  let err = ''
  child.stdout!.on('data', (c: Buffer) => { out += c.toString() })
  child.stderr!.on('data', (c: Buffer) => { err += c.toString() })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const lines = (): Record<string, unknown>[] => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>)
  return { child, lines, stderr: () => err, exited }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function until<T> (what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('npm start (src/bin/start.ts)', () => {
  it('starts an embedded redis, serves /healthz and /readyz, and on SIGTERM exits 0 with redis gone', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'backprop-start-'))
    dirs.push(dataDir)
    const port = await freePort()
    const run = launch({ PORT: String(port), DATA_DIR: dataDir })
    const base = `http://127.0.0.1:${port}`
    try {
      const up = await until('the "backprop is up" log line', () => run.lines().find((l) => l.msg === 'backprop is up'))
      expect(up).toMatchObject({ url: base, redis: 'embedded' })
      const redisPid = Number(run.lines().find((l) => l.msg === 'embedded redis started')?.redisPid)
      expect(alive(redisPid)).toBe(true)
      expect(existsSync(join(dataDir, 'redis', 'appendonlydir'))).toBe(true) // append-only file on, under DATA_DIR

      for (const path of ['/healthz', '/readyz']) expect((await fetch(base + path)).status).toBe(200)
      // the worker in the same process uses the same Redis: the queue gauge is readable
      const metrics = await (await fetch(`${base}/metrics`)).text()
      expect(metrics).toContain('backprop_metrics_redis_up 1')
      // the API and the worker each say which Redis and prefix they joined
      for (const msg of ['API joined redis', 'worker started']) {
        const line = run.lines().find((l) => l.msg === msg)
        expect(line, msg).toMatchObject({ redis: expect.stringMatching(/^redis:\/\//), prefix: expect.any(String) })
      }

      run.child.kill('SIGTERM')
      expect(await run.exited).toBe(0)
      // shutdown order: API first, then the worker, then Redis. By each line's own time (ms): pino writes
      // stdout asynchronously, and under load two lines have reached the pipe out of order
      const lines = run.lines()
      const times = ['shutting down', 'worker closed', 'embedded redis stopped', 'shut down'].map((m) => lines.find((l) => l.msg === m)?.time as number | undefined)
      expect(times.every((t) => typeof t === 'number'), JSON.stringify(times)).toBe(true)
      expect([...times].sort((a, b) => a! - b!)).toEqual(times)
      // a connection closed on purpose is not reported as lost
      expect(lines.filter((l) => l.msg === 'redis connection lost; reconnecting')).toEqual([])
      await until('redis to be gone', () => (alive(redisPid) ? undefined : true), 5000)
      await expect(fetch(base + '/healthz')).rejects.toThrow()
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL')
    }
  })

  it('SIGHUP (the terminal closed) shuts down like SIGTERM: exit 0, no redis-server left; a second start on the same files is refused meanwhile', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'backprop-start-'))
    dirs.push(dataDir)
    const run = launch({ PORT: String(await freePort()), DATA_DIR: dataDir })
    try {
      await until('the "backprop is up" log line', () => run.lines().find((l) => l.msg === 'backprop is up'))
      const redisPid = Number(run.lines().find((l) => l.msg === 'embedded redis started')?.redisPid)

      const second = launch({ PORT: String(await freePort()), DATA_DIR: dataDir })
      expect(await second.exited).toBe(1)
      expect(second.stderr()).toContain(`another \`npm start\` (pid ${run.child.pid}) is running with a redis-server (pid ${redisPid}`)
      expect(second.lines().some((l) => l.msg === 'embedded redis started')).toBe(false)
      // the refusal is the last word: no shutdown log lines after it (nothing had started)
      expect(second.lines().some((l) => l.msg === 'shutting down')).toBe(false)
      expect(alive(redisPid)).toBe(true)

      run.child.kill('SIGHUP')
      expect(await run.exited).toBe(0)
      expect(run.lines().some((l) => l.msg === 'embedded redis stopped')).toBe(true)
      await until('redis to be gone', () => (alive(redisPid) ? undefined : true), 5000)
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL')
    }
  })

  it('a start that finds the redis-server of a start that died reuses it (one server on the files), and stops it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'backprop-start-'))
    dirs.push(dataDir)
    const first = launch({ PORT: String(await freePort()), DATA_DIR: dataDir })
    await until('the first start', () => first.lines().find((l) => l.msg === 'backprop is up'))
    const redisPid = Number(first.lines().find((l) => l.msg === 'embedded redis started')?.redisPid)
    const redisProcess = ownProcess(redisPid)
    first.child.kill('SIGKILL') // dies without stopping its redis-server (its own process group)
    await first.exited
    expect(alive(redisPid)).toBe(true)
    const port = await freePort()
    const second = launch({ PORT: String(port), DATA_DIR: dataDir })
    try {
      await until('the second start', () => second.lines().find((l) => l.msg === 'backprop is up'))
      expect(second.lines().find((l) => l.msg === 'reusing the embedded redis-server an earlier start left running')?.redisPid).toBe(redisPid)
      expect(second.lines().some((l) => l.msg === 'embedded redis started')).toBe(false)
      // the refusal is the last word: no shutdown log lines after it (nothing had started)
      expect(second.lines().some((l) => l.msg === 'shutting down')).toBe(false)
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200)
      second.child.kill('SIGTERM')
      expect(await second.exited).toBe(0)
      await until('redis to be gone', () => (alive(redisPid) ? undefined : true), 5000)
    } finally {
      if (second.child.exitCode === null) second.child.kill('SIGKILL')
      if (redisProcess) killOwn(redisProcess)
    }
  })

  it('logs its embedded Redis; `npm run start:worker` without REDIS_URL joins it, and with no `npm start` to join says so', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'backprop-start-'))
    dirs.push(dataDir)
    const run = launch({ PORT: String(await freePort()), DATA_DIR: dataDir })
    const worker = (dir: string): ReturnType<typeof launch> => launchEntry('src/bin/worker.ts', { DATA_DIR: dir })
    try {
      const up = await until('the "backprop is up" log line', () => run.lines().find((l) => l.msg === 'backprop is up'))
      expect(up.redisUrl).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/)
      expect(up.moreWorkers).toMatch(/^npm run start:worker/)
      const joined = worker(dataDir)
      try {
        const started = await until('the second worker to start', () => joined.lines().find((l) => l.msg === 'worker started'))
        expect(started).toBeDefined()
        joined.child.kill('SIGTERM')
        expect(await joined.exited).toBe(0)
      } finally {
        if (joined.child.exitCode === null) joined.child.kill('SIGKILL')
      }
      const alone = worker(mkdtempSync(join(tmpdir(), 'backprop-start-')))
      expect(await alone.exited).toBe(1)
      expect(alone.lines().find((l) => l.level === 'fatal')?.msg).toMatch(/^REDIS_URL is not set and no `npm start` runs here/)
    } finally {
      run.child.kill('SIGTERM')
      await run.exited
    }
  })

  it('says how to install redis-server (or set REDIS_URL) when there is none', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'backprop-start-'))
    dirs.push(dataDir)
    const run = launch({ PORT: String(await freePort()), DATA_DIR: dataDir, PATH: '/nonexistent' })
    expect(await run.exited).toBe(1)
    expect(run.stderr()).toContain('apt-get install redis-server')
    expect(run.stderr()).toContain('brew install redis')
    expect(run.stderr()).toContain('REDIS_URL=')
  })

  it('a bad setting is one line naming it, before anything starts: npm start, the API and a worker alike', async () => {
    for (const entry of ['src/bin/start.ts', 'src/bin/api.ts', 'src/bin/worker.ts']) {
      const dataDir = join(mkdtempSync(join(tmpdir(), 'backprop-start-')), 'data')
      dirs.push(dirname(dataDir))
      const run = launchEntry(entry, { PORT: 'abc', LOG_LEVEL: 'verbose', DATA_DIR: dataDir })
      expect(await run.exited, entry).toBe(1)
      expect(run.stderr().trim().split('\n'), entry).toEqual([expect.stringMatching(/^invalid configuration: PORT="abc": .*; LOG_LEVEL="verbose": .*"info"/)])
      expect(run.lines(), entry).toEqual([])
      expect(existsSync(dataDir), entry).toBe(false)
    }
  })

  it('a port another program holds is refused in one line before anything starts; the API alone says the same', async () => {
    const holder = createServer()
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
    const port = (holder.address() as AddressInfo).port
    try {
      const dataDir = join(mkdtempSync(join(tmpdir(), 'backprop-start-')), 'data')
      dirs.push(dirname(dataDir))
      const run = launch({ PORT: String(port), DATA_DIR: dataDir })
      expect(await run.exited).toBe(1)
      expect(run.stderr().trim()).toBe(`port ${port} on 127.0.0.1 is in use (another backprop, or another program): stop it, or choose another port, e.g. PORT=${port + 1} npm start`)
      expect(run.lines()).toEqual([]) // no redis, worker or shutdown lines
      expect(existsSync(dataDir)).toBe(false) // nothing was started, or made
      // npm run start:api (here with a Redis to reach): the same words in its fatal line, no stack
      const api = launchEntry('src/bin/api.ts', { PORT: String(port), REDIS_URL: 'redis://127.0.0.1:6379' })
      expect(await api.exited).toBe(1)
      expect(api.lines().find((l) => l.level === 'fatal')).toMatchObject({ msg: expect.stringContaining(`port ${port} on 127.0.0.1 is in use`) })
      expect(api.lines().some((l) => 'err' in l)).toBe(false)
    } finally {
      holder.close()
    }
  })
})
