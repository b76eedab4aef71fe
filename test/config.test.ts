import { pino } from 'pino'
import { Writable } from 'node:stream'
import { readFileSync } from 'node:fs'
import os from 'node:os'
import { describe, it, expect } from 'vitest'
import Fastify from 'fastify'
import { loadConfig, withoutPassword } from '../src/config.js'
import { loggerOptions } from '../src/logger.js'

describe('loadConfig', () => {
  it('fills documented defaults and freezes the result', () => {
    const config = loadConfig({})
    expect(config).toMatchObject({
      PORT: 3000, HOST: '127.0.0.1', REDIS_PREFIX: '{backprop}', WORKER_CONCURRENCY: 1, LOG_LEVEL: 'info',
      BODY_LIMIT: 50 * 1024 * 1024, MAX_DATASET_ROWS: 1_000_000, MAX_PARAMETERS: 50_000_000, MAX_EPOCHS: 100_000,
      MAX_JOB_WORK: 1e15, CHECKPOINT_EVERY_EPOCHS: 10, CHECKPOINT_EVERY_SECONDS: 30, DATA_DIR: './data',
      TRAIN_THREADS: os.availableParallelism()
    })
    expect(config.REDIS_URL).toBeUndefined()
    expect(Object.isFrozen(config)).toBe(true)
  })

  it('coerces strings, reads byte suffixes and treats empty values as unset', () => {
    const config = loadConfig({ PORT: '8080', BODY_LIMIT: '2MiB', TRAIN_THREADS: '3', REDIS_URL: '', UNRELATED: 'x' })
    expect(config).toMatchObject({ PORT: 8080, BODY_LIMIT: 2 * 1024 * 1024, TRAIN_THREADS: 3 })
    expect(config.REDIS_URL).toBeUndefined()
    expect('UNRELATED' in config).toBe(false)
  })

  it('names every variable at fault', () => {
    expect(() => loadConfig({ PORT: 'eighty', REDIS_URL: 'http://localhost', LOG_LEVEL: 'loud' }))
      .toThrow(/PORT="eighty".*REDIS_URL="http:\/\/localhost".*LOG_LEVEL="loud"/)
    expect(() => loadConfig({ WORKER_CONCURRENCY: '0' })).toThrow(/WORKER_CONCURRENCY="0"/)
  })

  it('reads REDIS_URL whole: its scheme and database are checked, its password never shown', () => {
    expect(loadConfig({ REDIS_URL: 'rediss://user:pw@redis.example:6380/2' }).REDIS_URL).toBe('rediss://user:pw@redis.example:6380/2')
    expect(() => loadConfig({ REDIS_URL: 'http://localhost' })).toThrow('REDIS_URL="http://localhost": the scheme is http://; expected redis://[user:password@]host:port[/db] (rediss:// for TLS)')
    expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6391/abc' })).toThrow('REDIS_URL="redis://127.0.0.1:6391/abc": the database "/abc" is not a number')
    expect(() => loadConfig({ REDIS_URL: 'localhost:6379' })).toThrow(/REDIS_URL="localhost:6379": the scheme is localhost:\/\//)
    const secret = (() => { try { loadConfig({ REDIS_URL: 'redis://:s3cret@host:6379/x' }) } catch (err) { return (err as Error).message } })()
    expect(secret).toContain('REDIS_URL="redis://:<not shown>@host:6379/x"')
    expect(secret).not.toContain('s3cret')
  })

  it('reads TRUST_PROXY as Fastify takes it, and names an entry that is no address (it was a TypeError with a stack at start)', async () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true)
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2)
    const list = loadConfig({ TRUST_PROXY: '10.0.0.0/8, loopback, ::1, 192.168.0.0/255.255.0.0, fd00::/8' }).TRUST_PROXY
    expect(list).toEqual(['10.0.0.0/8', 'loopback', '::1', '192.168.0.0/255.255.0.0', 'fd00::/8'])
    // what the config lets through, Fastify (proxy-addr) takes
    const app = Fastify({ trustProxy: list as string[] })
    await app.ready()
    await app.close()
    expect(() => loadConfig({ TRUST_PROXY: 'maybe' })).toThrow('TRUST_PROXY="maybe": "maybe" is not an address, a CIDR (10.0.0.0/8) or one of loopback, linklocal, uniquelocal; ' +
      'give true, false, a hop count, or a comma-separated list of those')
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33,proxy.internal' })).toThrow(/"10\.0\.0\.0\/33", "proxy\.internal" are not an address/)
  })
})

describe('loggerOptions', () => {
  it('writes JSON when stdout is not a TTY and pretty lines when it is', () => {
    expect(loggerOptions({ LOG_LEVEL: 'warn' }, false)).toMatchObject({ level: 'warn' })
    expect(loggerOptions({ LOG_LEVEL: 'warn' }, false).transport).toBeUndefined()
    expect(loggerOptions({ LOG_LEVEL: 'info' }, true).transport).toMatchObject({ target: 'pino-pretty' })
  })

  it('names each line\'s level by its label ("warn"), not pino\'s number (40)', () => {
    const lines: Array<Record<string, unknown>> = []
    const log = pino(loggerOptions({ LOG_LEVEL: 'info' }, false), new Writable({ write (c: Buffer, _e, done) { lines.push(JSON.parse(c.toString()) as Record<string, unknown>); done() } }))
    log.warn('disk low')
    log.error('gone')
    log.debug('not written at info')
    expect(lines.map((l) => [l.level, l.msg])).toEqual([['warn', 'disk low'], ['error', 'gone']])
  })

  it('writes an Error with its type and stack, and a plain { message, code } as it is (no "type":"Object", no empty stack)', () => {
    const lines: Array<Record<string, unknown>> = []
    const log = pino(loggerOptions({ LOG_LEVEL: 'info' }, false), new Writable({ write (c: Buffer, _e, done) { lines.push(JSON.parse(c.toString()) as Record<string, unknown>); done() } }))
    log.error({ err: new RangeError('out of range') }, 'failed')
    log.warn({ err: { message: 'connect ECONNREFUSED 127.0.0.1:6379', code: 'ECONNREFUSED' } }, 'redis unavailable')
    expect(lines[0]?.err).toMatchObject({ type: 'RangeError', message: 'out of range', stack: expect.stringContaining('RangeError: out of range') })
    expect(lines[1]?.err).toEqual({ message: 'connect ECONNREFUSED 127.0.0.1:6379', code: 'ECONNREFUSED' })
  })
})

describe('the README\'s configuration table', () => {
  it('describes MAX_JOB_WORK as the product admission computes and names in its 422 (epochs × rows × parameters)', () => {
    const row = readFileSync('README.md', 'utf8').split('\n').find((l) => l.startsWith('| `MAX_JOB_WORK`'))
    // src/queue/admission.ts: `the job is ${epochs} epochs × ${rows} rows × ${parameters} parameters = ${work}`
    expect(row).toMatch(/epochs × rows × parameters/)
    expect(row).not.toMatch(/× 3|weights/)
  })
})

describe('withoutPassword', () => {
  it('hides a password in the user part and in the query, where ioredis reads one too', () => {
    expect(withoutPassword('redis://u:s3cret@host:6379/2')).toBe('redis://u:<not shown>@host:6379/2')
    expect(withoutPassword('redis://host:6379/0?password=s3cret&db=1')).toBe('redis://host:6379/0?password=<not shown>&db=1')
    expect(withoutPassword('rediss://h:1/?family=4&Password=s3cret')).toBe('rediss://h:1/?family=4&Password=<not shown>')
    expect(withoutPassword('redis://host:6379')).toBe('redis://host:6379')
  })
})
