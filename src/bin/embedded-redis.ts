/**
 * The embedded Redis of `npm start`: a redis-server child on a free local port, append-only file
 * on, data under DATA_DIR/redis. For one machine only; production points REDIS_URL at its own Redis.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, realpathSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { resolve } from 'node:path'
import { Redis } from 'ioredis'
import type { Logger } from '../logger.js'
import { alive, claimEmbeddedRedis, forgetEmbeddedRedis, psField, recordEmbeddedRedis, RedisInUseError, restoreEmbeddedRedis, runs, type RedisOwner } from './redis-owner.js'

export const REDIS_NOT_INSTALLED = [
  'REDIS_URL is not set and no redis-server is installed, so there is no Redis to use. Either:',
  '  - install Redis: `sudo apt-get install redis-server` (Debian/Ubuntu) or `brew install redis` (macOS), then run `npm start` again; or',
  '  - point REDIS_URL at a running Redis, e.g. `REDIS_URL=redis://127.0.0.1:6379 npm start`.'
].join('\n')

export class RedisNotInstalledError extends Error {
  constructor () { super(REDIS_NOT_INSTALLED) }
}

export interface EmbeddedRedis {
  readonly url: string
  readonly pid: number
  readonly dir: string
  /** Resolves when the child exits on its own (it crashed or was killed): the caller should shut down. */
  readonly exited: Promise<number | null>
  /** SIGTERM (Redis fsyncs the append-only file and exits), SIGKILL after timeoutMs. Idempotent. */
  stop (timeoutMs?: number): Promise<void>
}

async function freePort (): Promise<number> {
  return await new Promise((done, fail) => {
    const srv = createServer()
    srv.once('error', fail)
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address()
      srv.close(() => done(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

const answers = (port: number): Promise<boolean> => new Promise((done) => {
  const socket = connect(port, '127.0.0.1')
  socket.once('connect', () => { socket.destroy(); done(true) })
  socket.once('error', () => done(false))
})

export function redisServerInstalled (): boolean {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' })
  return probe.error === undefined && probe.status === 0
}

/** An embedded redis-server an earlier start left running on these files: used, then stopped by pid. */
function adopt (dir: string, owner: RedisOwner, logger: Logger): EmbeddedRedis {
  recordEmbeddedRedis(dir, owner.redisPid, owner.port)
  logger.warn({ redisPid: owner.redisPid, port: owner.port, dir }, 'reusing the embedded redis-server an earlier start left running')
  let stopping: Promise<void> | undefined
  const gone = async (deadline: number): Promise<boolean> => {
    while (alive(owner.redisPid) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 50))
    return !alive(owner.redisPid)
  }
  const exited = (async () => { while (alive(owner.redisPid)) await new Promise((done) => setTimeout(done, 1000).unref()); return null })()
  return {
    url: `redis://127.0.0.1:${owner.port}`,
    pid: owner.redisPid,
    dir,
    exited,
    stop (timeoutMs = 10_000) {
      stopping ??= (async () => {
        if (alive(owner.redisPid)) process.kill(owner.redisPid, 'SIGTERM')
        if (!(await gone(Date.now() + timeoutMs))) process.kill(owner.redisPid, 'SIGKILL')
        forgetEmbeddedRedis(dir)
        logger.info({ redisPid: owner.redisPid }, 'embedded redis stopped')
      })()
      return stopping
    }
  }
}

/** The process id and working directory (where its append-only file is) of the Redis answering on port, or null. */
async function identify (port: number): Promise<{ pid: number, dir: string } | null> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null })
  client.on('error', () => { /* the answer is null */ })
  try {
    await client.connect()
    // both are served while Redis is still loading its append-only file
    const pid = Number(/^process_id:(\d+)/m.exec(await client.info('server'))?.[1])
    const reply: unknown = await client.config('GET', 'dir') // ['dir', '/its/dir']
    const dir: unknown = Array.isArray(reply) ? reply[1] : undefined
    return Number.isInteger(pid) && typeof dir === 'string' ? { pid, dir } : null
  } catch {
    return null
  } finally {
    client.disconnect()
  }
}

/**
 * What to do with the redis-server a dead start recorded: adopt it when it answers on its port as
 * that process, serving these files. A process under that pid that is not it (the pid was reused)
 * is left alone, and a new server started; one that looks like a redis-server but does not answer as
 * this directory's is refused rather than risk a second server on the same append-only file.
 */
async function orphanOf (dir: string, previous: RedisOwner | null): Promise<RedisOwner | null> {
  if (previous === null || !runs(previous.redisPid)) return null
  const found = await identify(previous.port)
  if (found !== null && found.pid === previous.redisPid && found.dir === realpathSync(dir)) return previous
  if (psField(previous.redisPid, 'command').includes('redis-server')) {
    throw new RedisInUseError(dir, previous, `a redis-server (pid ${previous.redisPid}) that an earlier start left running on ${dir} does not answer as this directory's Redis on port ${previous.port}; stop it (kill ${previous.redisPid}) and start again`)
  }
  return null
}

export async function startEmbeddedRedis (dataDir: string, logger: Logger, { startTimeoutMs = 15_000 } = {}): Promise<EmbeddedRedis> {
  if (!redisServerInstalled()) throw new RedisNotInstalledError()
  const dir = resolve(dataDir, 'redis')
  mkdirSync(dir, { recursive: true })
  // never two redis-servers on one set of files: refuse if a live start holds the directory, adopt an orphan
  const previous = claimEmbeddedRedis(dir)
  try {
    const orphan = await orphanOf(dir, previous)
    if (orphan !== null) return adopt(dir, orphan, logger)
    return await spawnRedis(dir, logger, startTimeoutMs)
  } catch (err) {
    // a redis-server still running under the dead start's record stays on record (refused, or not
    // adopted for another failure): the next start must find it, never start a second one beside it
    if (previous !== null && runs(previous.redisPid)) restoreEmbeddedRedis(dir, previous)
    else forgetEmbeddedRedis(dir)
    throw err
  }
}

async function spawnRedis (dir: string, logger: Logger, startTimeoutMs: number): Promise<EmbeddedRedis> {
  const port = await freePort()
  const child = spawn('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'yes',
    '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction', '--daemonize', 'no'
  ], {
    // its own process group: a terminal's Ctrl-C reaches only us, and we stop Redis last
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const tail: string[] = []
  const keep = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') tail.push(line)
    tail.splice(0, Math.max(0, tail.length - 20))
  }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)))
  // if this process dies without stopping Redis (an uncaught error), do not leave it running
  const killOnExit = (): void => { child.kill('SIGTERM') }
  process.once('exit', killOnExit)

  const deadline = Date.now() + startTimeoutMs
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis-server exited while starting (code ${child.exitCode}); its last output:\n${tail.join('\n')}`)
    }
    if (await answers(port)) break
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`redis-server did not listen on 127.0.0.1:${port} within ${startTimeoutMs} ms:\n${tail.join('\n')}`)
    }
    await new Promise((done) => setTimeout(done, 50))
  }
  logger.info({ redisPid: child.pid, port, dir }, 'embedded redis started')
  recordEmbeddedRedis(dir, child.pid!, port)

  let stopping: Promise<void> | undefined
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid!,
    dir,
    exited,
    stop (timeoutMs = 10_000) {
      stopping ??= (async () => {
        process.removeListener('exit', killOnExit)
        if (child.exitCode !== null || child.signalCode !== null) return
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
        child.kill('SIGTERM')
        await exited
        clearTimeout(timer)
        forgetEmbeddedRedis(dir)
        logger.info({ redisPid: child.pid }, 'embedded redis stopped')
      })()
      return stopping
    }
  }
}
