/**
 * One embedded redis-server per data directory: `npm start` records the redis-server it runs, and
 * whose it is, in DATA_DIR/redis/embedded.json. A start that finds that server alive refuses when
 * the start that owns it is alive too (two services on one set of files), and otherwise adopts it
 * (an earlier start died without stopping it): never a second redis-server on the same files.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

export interface RedisOwner { readonly redisPid: number, readonly port: number, readonly ownerPid: number }

export class RedisInUseError extends Error {
  constructor (dir: string, owner: RedisOwner) {
    super(`another \`npm start\` (pid ${owner.ownerPid}) is running with a redis-server (pid ${owner.redisPid}, port ${owner.port}) ` +
      `on ${dir}; two services must not share these files. Stop it first, or give this one its own DATA_DIR.`)
  }
}

export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

const fileOf = (dir: string): string => join(dir, 'embedded.json')

/** The recorded redis-server of `dir` if it still runs; throws RedisInUseError if its owner runs too. */
export function liveEmbeddedRedis (dir: string): RedisOwner | null {
  let owner: RedisOwner
  try {
    owner = JSON.parse(readFileSync(fileOf(dir), 'utf8')) as RedisOwner
  } catch {
    return null
  }
  if (!Number.isInteger(owner.redisPid) || !alive(owner.redisPid)) return null
  if (owner.ownerPid !== process.pid && alive(owner.ownerPid)) throw new RedisInUseError(dir, owner)
  return owner
}

export function recordEmbeddedRedis (dir: string, redisPid: number, port: number): void {
  writeFileSync(fileOf(dir), JSON.stringify({ redisPid, port, ownerPid: process.pid } satisfies RedisOwner))
}

export function forgetEmbeddedRedis (dir: string): void {
  rmSync(fileOf(dir), { force: true })
}

/**
 * The URL of the redis-server a running `npm start` embeds for DATA_DIR (under DATA_DIR/redis), or
 * null: how `npm run start:worker` and `start:api` without REDIS_URL join the service on this machine.
 */
export function embeddedRedisUrl (dataDir: string): string | null {
  try {
    const owner = JSON.parse(readFileSync(fileOf(resolve(dataDir, 'redis')), 'utf8')) as RedisOwner
    return Number.isInteger(owner.redisPid) && alive(owner.redisPid) && Number.isInteger(owner.port) ? `redis://127.0.0.1:${owner.port}` : null
  } catch {
    return null
  }
}

/** config with REDIS_URL taken from a running `npm start` of the same DATA_DIR when it has none. */
export function withEmbeddedRedis<C extends { REDIS_URL?: string, DATA_DIR: string }> (config: C): C {
  if (config.REDIS_URL) return config
  const url = embeddedRedisUrl(config.DATA_DIR)
  return url === null ? config : { ...config, REDIS_URL: url }
}
