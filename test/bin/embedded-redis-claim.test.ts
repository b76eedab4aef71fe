// One redis-server per DATA_DIR, whatever the timing: starts racing on a fresh or a crashed
// directory (real processes, released at the same instant), and the record of a dead start whose
// redis-server is still running, is someone else's, or is gone (real redis-servers).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { Redis } from 'ioredis'
import { alive, claimEmbeddedRedis, forgetEmbeddedRedis, RedisInUseError, startedAt, type RedisOwner } from '../../src/bin/redis-owner.js'
import { startEmbeddedRedis } from '../../src/bin/embedded-redis.js'
import { freePort, startRedisServer } from '../support/redis-server.js'

const scratch = mkdtempSync(join(tmpdir(), 'backprop-claim-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))
const quiet = pino({ level: 'silent' })

const freshDir = (): string => {
  const dir = mkdtempSync(join(scratch, 'redis-'))
  mkdirSync(dir, { recursive: true })
  return dir
}
const recordOf = (dir: string): RedisOwner => JSON.parse(readFileSync(join(dir, 'embedded.json'), 'utf8')) as RedisOwner
const writeRecord = (dir: string, owner: RedisOwner): void => writeFileSync(join(dir, 'embedded.json'), JSON.stringify(owner))

/** The pid of a process that has exited (a start that crashed). */
function deadPid (): number {
  const child = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' })
  const pid = Number(child.stdout.trim())
  expect(alive(pid)).toBe(false)
  return pid
}

/** n processes that claim dir at the same instant, each staying alive a while after; what each got. */
async function race (dir: string, n: number): Promise<string[]> {
  const script = join(scratch, 'claim.mts')
  writeFileSync(script, [
    `import { claimEmbeddedRedis } from ${JSON.stringify(resolve('src/bin/redis-owner.ts'))}`,
    'const at = Number(process.argv[2])',
    'while (Date.now() < at) { /* the same instant for all */ }',
    'let got',
    'try { claimEmbeddedRedis(process.argv[3]); got = "claimed" } catch (err) { got = err.constructor.name }',
    'console.log(got)',
    // the claimer stays alive until every process has answered (a late one must find a live owner)
    'while (!existsSync(process.argv[4])) await new Promise((r) => setTimeout(r, 20))'
  ].join('\n').replace('import {', 'import { existsSync } from "node:fs"\nimport {'))
  const over = join(dir, '..', `${basename(dir)}.over`)
  const at = Date.now() + 3000 // after every process has loaded, as a rule (a late one still must be refused)
  const children: ChildProcess[] = []
  const answers = Array.from({ length: n }, () => new Promise<string>((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, String(at), dir, over], { stdio: ['ignore', 'pipe', 'inherit'] })
    children.push(child)
    let out = ''
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); if (out.includes('\n')) done(out.trim()) })
    child.once('error', fail)
    child.once('exit', (code) => fail(new Error(`a claiming process exited (${code}) before answering`)))
  }))
  try {
    return await Promise.all(answers)
  } finally {
    writeFileSync(over, '')
    await Promise.all(children.map((c) => c.exitCode !== null ? undefined : new Promise((r) => c.once('exit', r))))
  }
}

describe('claiming DATA_DIR/redis', () => {
  it('of starts released at the same instant on a fresh directory, exactly one claims it; the others are told it is in use', async () => {
    for (let round = 0; round < 2; round++) {
      const got = await race(freshDir(), 4)
      expect(got.filter((g) => g === 'claimed')).toHaveLength(1)
      expect(got.filter((g) => g === 'RedisInUseError')).toHaveLength(3)
    }
  }, 60_000)

  it('the same after a crash: of starts racing to take over a dead start\'s record, exactly one does', async () => {
    const dir = freshDir()
    writeRecord(dir, { redisPid: 0, port: 0, ownerPid: deadPid() })
    const got = await race(dir, 4)
    expect(got.filter((g) => g === 'claimed')).toHaveLength(1)
    expect(got.filter((g) => g === 'RedisInUseError')).toHaveLength(3)
  }, 60_000)

  it('a dead start\'s record is handed to the new owner; a live one\'s is refused and left as it was', () => {
    const dir = freshDir()
    const dead = { redisPid: 0, port: 0, ownerPid: deadPid() }
    writeRecord(dir, dead)
    expect(claimEmbeddedRedis(dir)).toEqual(dead)
    expect(recordOf(dir).ownerPid).toBe(process.pid)
    expect(claimEmbeddedRedis(dir)).toBeNull() // its own claim again

    const other = freshDir()
    const live = { redisPid: 0, port: 0, ownerPid: process.ppid, ownerStarted: startedAt(process.ppid) }
    writeRecord(other, live)
    expect(() => claimEmbeddedRedis(other)).toThrow(RedisInUseError)
    forgetEmbeddedRedis(other) // not ours: kept
    expect(recordOf(other)).toEqual(live)
  })

  it('a pid that a start recorded, now another program\'s (it started at another time), is not that start: the claim is taken over', () => {
    const stranger = spawn('sleep', ['30'], { stdio: 'ignore' })
    try {
      const dir = freshDir()
      // after a reboot, say: the recorded start ran under this pid in an earlier life of the machine
      const stale = { redisPid: 0, port: 0, ownerPid: stranger.pid!, ownerStarted: 'Thu Jan  1 00:00:00 2026' }
      writeRecord(dir, stale)
      expect(startedAt(stranger.pid!)).not.toBe('')
      expect(claimEmbeddedRedis(dir)).toEqual(stale)
      expect(recordOf(dir).ownerPid).toBe(process.pid)
      expect(alive(stranger.pid!)).toBe(true)
      // an older record, without the start time, and a live pid: refused, as the pid is all it has to go by
      const old = freshDir()
      writeRecord(old, { redisPid: 0, port: 0, ownerPid: stranger.pid! })
      expect(() => claimEmbeddedRedis(old)).toThrow(RedisInUseError)
    } finally {
      stranger.kill('SIGKILL')
    }
  })
})

describe('the redis-server of a dead start', () => {
  it('still serving these files: adopted (same pid), and stopped with the service', async () => {
    const dataDir = mkdtempSync(join(scratch, 'data-'))
    const first = await startEmbeddedRedis(dataDir, quiet)
    const dir = first.dir
    // the start that ran it dies: its record names a dead owner and a live redis-server
    writeRecord(dir, { ...recordOf(dir), ownerPid: deadPid() })
    const second = await startEmbeddedRedis(dataDir, quiet)
    try {
      expect(second.pid).toBe(first.pid)
      expect(recordOf(dir)).toMatchObject({ redisPid: first.pid, ownerPid: process.pid })
    } finally {
      await second.stop()
    }
    expect(alive(first.pid)).toBe(false)
    expect(existsSync(join(dir, 'embedded.json'))).toBe(false)
  }, 60_000)

  it('a pid now used by another program: that program is left alone and a new redis-server starts', async () => {
    const dataDir = mkdtempSync(join(scratch, 'data-'))
    const dir = join(dataDir, 'redis')
    mkdirSync(dir)
    const stranger = spawn('sleep', ['30'], { stdio: 'ignore' })
    try {
      writeRecord(dir, { redisPid: stranger.pid!, port: await freePort(), ownerPid: deadPid() })
      const redis = await startEmbeddedRedis(dataDir, quiet)
      try {
        expect(redis.pid).not.toBe(stranger.pid)
        expect(recordOf(dir)).toMatchObject({ redisPid: redis.pid, ownerPid: process.pid })
      } finally {
        await redis.stop()
      }
      expect(alive(stranger.pid!)).toBe(true)
    } finally {
      stranger.kill('SIGKILL')
    }
  }, 60_000)

  it('a redis-server that does not answer as this directory\'s: refused (no second server on the files), and kept on record', async () => {
    const dataDir = mkdtempSync(join(scratch, 'data-'))
    const dir = join(dataDir, 'redis')
    mkdirSync(dir)
    const elsewhere = await startRedisServer() // serves another directory
    try {
      const client = new Redis(elsewhere.url)
      const pid = Number(/^process_id:(\d+)/m.exec(await client.info('server'))?.[1])
      client.disconnect()
      const record = { redisPid: pid, port: elsewhere.port, ownerPid: deadPid() }
      writeRecord(dir, record)
      await expect(startEmbeddedRedis(dataDir, quiet)).rejects.toThrow(/does not answer as this directory's Redis/)
      expect(recordOf(dir)).toEqual(record) // the next start finds it again
      expect(alive(pid)).toBe(true)
    } finally {
      await elsewhere.stop()
    }
  }, 60_000)
})
