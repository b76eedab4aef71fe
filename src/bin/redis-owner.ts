/**
 * One embedded redis-server per data directory. `npm start` claims DATA_DIR/redis by creating
 * DATA_DIR/redis/embedded.json exclusively (link(2) of a complete file: it appears whole or not at
 * all) before it starts or adopts a redis-server, and then records there the server it runs. A start
 * that finds the claim of a live start refuses (two services on one set of files); a claim whose
 * start died is taken over, and its redis-server adopted when it still serves these files. So two
 * starts at the same moment, or after a crash, never run two redis-servers on one append-only file.
 */
import { spawnSync } from 'node:child_process'
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

/**
 * redisPid and port are 0 while the owning start has claimed the directory but runs no redis-server
 * yet. ownerStarted: when the owner process started, as ps(1) tells it, so that a pid reused by
 * another program (after a reboot, say) is not taken for the owner; absent in older records.
 */
export interface RedisOwner { readonly redisPid: number, readonly port: number, readonly ownerPid: number, readonly ownerStarted?: string }

/** The data directory's Redis files are another process's: this start must not run a redis-server on them. */
export class RedisInUseError extends Error {
  constructor (dir: string, owner: RedisOwner, message?: string) {
    const server = owner.redisPid > 0 ? `with a redis-server (pid ${owner.redisPid}, port ${owner.port})` : 'and starting its redis-server'
    super(message ?? `another \`npm start\` (pid ${owner.ownerPid}) is running ${server} ` +
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

/** One field of a running process as ps(1) shows it ('' when ps cannot tell, or the process is gone). */
export function psField (pid: number, field: 'lstart' | 'command'): string {
  const ps = spawnSync('ps', ['-o', `${field}=`, '-p', String(pid)], { encoding: 'utf8' })
  return ps.status === 0 ? ps.stdout.trim() : ''
}

/** When process pid started: with the pid, names one process over time. */
export const startedAt = (pid: number): string => psField(pid, 'lstart')

let ownStart: string | undefined
const me = (): Pick<RedisOwner, 'ownerPid' | 'ownerStarted'> => ({ ownerPid: process.pid, ownerStarted: (ownStart ??= startedAt(process.pid)) })

/** Whether the start that holds a record still runs: its pid is alive and, where both are known, started when the record says. */
function ownerRuns (owner: RedisOwner): boolean {
  if (!alive(owner.ownerPid)) return false
  if (owner.ownerStarted === undefined || owner.ownerStarted === '') return true
  const now = startedAt(owner.ownerPid)
  return now === '' || now === owner.ownerStarted
}

/** pid 0 would signal this process group, not a process: a recorded 0 is "none". */
export const runs = (pid: number): boolean => pid > 0 && alive(pid)

const fileOf = (dir: string): string => join(dir, 'embedded.json')

const read = (file: string): RedisOwner | null => {
  try {
    const o = JSON.parse(readFileSync(file, 'utf8')) as Partial<RedisOwner>
    return Number.isInteger(o.ownerPid) && Number.isInteger(o.redisPid) && Number.isInteger(o.port) ? o as RedisOwner : null
  } catch {
    return null
  }
}

const code = (err: unknown): string | undefined => (err as NodeJS.ErrnoException).code

/** A complete record in a file of this process's own, to be linked or renamed into place. */
function staged (dir: string, owner: RedisOwner): string {
  const tmp = join(dir, `embedded.json.${process.pid}.tmp`)
  writeFileSync(tmp, JSON.stringify(owner))
  return tmp
}

/** Whether the record of `dir` is this process's claim. */
const ours = (dir: string): boolean => read(fileOf(dir))?.ownerPid === process.pid

/** Links a complete record of this process into place unless a record is there already (then false). */
function linkRecord (dir: string, owner: RedisOwner): boolean {
  const tmp = staged(dir, owner)
  try {
    linkSync(tmp, fileOf(dir))
    return true
  } catch (err) {
    if (code(err) === 'EEXIST') return false
    throw err
  } finally {
    rmSync(tmp, { force: true })
  }
}

/**
 * Claims `dir` for this process. Returns the record of a start that died holding it (its
 * redis-server may still run, for the caller to adopt), or null. Throws RedisInUseError when a live
 * start holds it.
 */
export function claimEmbeddedRedis (dir: string): RedisOwner | null {
  const file = fileOf(dir)
  const pending: RedisOwner = { redisPid: 0, port: 0, ...me() }
  for (let attempt = 0; attempt < 10; attempt++) {
    if (linkRecord(dir, pending)) return null
    const held = read(file)
    if (held?.ownerPid === process.pid) return null
    if (held !== null && ownerRuns(held)) throw new RedisInUseError(dir, held)
    // no live start holds it: move it aside (of several starts racing here, one does), then check that
    // what moved is what was read, not a claim another start made in between (that one goes back)
    const aside = join(dir, `embedded.json.${process.pid}.stale`)
    try {
      renameSync(file, aside)
    } catch (err) {
      if (code(err) === 'ENOENT') continue
      throw err
    }
    const moved = read(aside)
    if (moved !== null && moved.ownerPid !== held?.ownerPid) {
      try { linkSync(aside, file) } catch { /* a third start claimed it meanwhile: it holds the directory now */ }
      rmSync(aside, { force: true })
      continue
    }
    rmSync(aside, { force: true })
    // the place is empty: a start that races us to it wins, and the next turn refuses
    if (linkRecord(dir, pending)) return moved
  }
  throw new Error(`could not claim ${dir}: its embedded.json kept changing (other starts racing on the same DATA_DIR)`)
}

/** Replaces the record at once (one rename: never half a record). */
function putRecord (dir: string, owner: RedisOwner): void {
  renameSync(staged(dir, owner), fileOf(dir))
}

/** Records the redis-server this process runs on `dir`, which it has claimed. */
export function recordEmbeddedRedis (dir: string, redisPid: number, port: number): void {
  putRecord(dir, { redisPid, port, ...me() })
}

/**
 * Puts back the record claimEmbeddedRedis took over, when this start gives up without a server of
 * its own: a redis-server it left alone stays on record, so that the next start finds it again.
 */
export function restoreEmbeddedRedis (dir: string, previous: RedisOwner): void {
  if (ours(dir)) putRecord(dir, previous)
}

/** Gives up this process's claim on `dir`; another process's claim is left alone. */
export function forgetEmbeddedRedis (dir: string): void {
  if (ours(dir)) rmSync(fileOf(dir), { force: true })
}

/**
 * The URL of the redis-server a running `npm start` embeds for DATA_DIR (under DATA_DIR/redis), or
 * null: how `npm run start:worker` and `start:api` without REDIS_URL join the service on this machine.
 */
export function embeddedRedisUrl (dataDir: string): string | null {
  const owner = read(fileOf(resolve(dataDir, 'redis')))
  return owner !== null && runs(owner.redisPid) && owner.port > 0 ? `redis://127.0.0.1:${owner.port}` : null
}

/** config with REDIS_URL taken from a running `npm start` of the same DATA_DIR when it has none. */
export function withEmbeddedRedis<C extends { REDIS_URL?: string, DATA_DIR: string }> (config: C): C {
  if (config.REDIS_URL) return config
  const url = embeddedRedisUrl(config.DATA_DIR)
  return url === null ? config : { ...config, REDIS_URL: url }
}
