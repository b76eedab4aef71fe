/**
 * A worker's heartbeat: a small JSON file its event loop rewrites every `everyMs`, saying whether its
 * Redis connection is ready and its BullMQ worker is taking jobs. The image's HEALTHCHECK
 * (bin/healthcheck.ts) reads it: a PING from a separate process only said that Redis was up, not that
 * the worker was (a worker whose loop hung, or whose connection stayed down, read healthy).
 * Written atomically (temporary file, then rename), so a reader never sees half of one.
 */
import { readdir, rename, rm, writeFile } from 'node:fs/promises'
import { readdirSync, readFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** What the worker says of itself at each beat. */
export interface Heartbeat {
  pid: number
  /** when it was written, epoch ms */
  at: number
  /** the interval it is rewritten at, ms: a reader calls it stale past a few of them */
  everyMs: number
  /** ioredis's status of the worker's connection ('ready' when it can take and report jobs) */
  redis: string
  /** BullMQ's Worker.isRunning(): false once it stopped taking jobs (closing) */
  running: boolean
  /** the jobs it trains now */
  jobs: string[]
}

/** Where the worker of process `pid` writes its heartbeat (the OS's temporary directory; /tmp in the image). */
export const heartbeatFile = (pid: number): string => join(tmpdir(), `backprop-worker-${pid}.heartbeat.json`)

const HEARTBEAT_NAME = /^backprop-worker-(\d+)\.heartbeat\.json$/

/** Whether process `pid` runs: a signal 0 reaches it (or would, were it ours), and Linux does not list it as a zombie. */
function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (err) {
    if ((err as { code?: string }).code !== 'EPERM') return false
  }
  // a worker killed outright is a zombie until its parent reaps it: gone, though a signal still "reaches" it
  try { return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z' } catch { return true }
}

/** Beats past which a file is no live worker's: its PID was reused by another process, or its loop has long stopped. */
const ABANDONED_AFTER_BEATS = 10

/** The heartbeat in `file`, or undefined when it cannot be read. */
function readBeat (file: string): Heartbeat | undefined {
  try { return JSON.parse(readFileSync(file, 'utf8')) as Heartbeat } catch { return undefined }
}

const abandoned = (beat: Heartbeat | undefined, now: number): boolean =>
  beat !== undefined && now - beat.at > ABANDONED_AFTER_BEATS * beat.everyMs

/** The PIDs of the heartbeat files among a directory's `names`. */
const heartbeatPids = (names: readonly string[]): number[] =>
  names.flatMap((name) => { const pid = Number(HEARTBEAT_NAME.exec(name)?.[1]); return Number.isInteger(pid) ? [pid] : [] })

/** Whether process `pid`'s heartbeat file is a live worker's: the process runs, and the file has not been left for long. */
const liveWorker = (pid: number, now: number): boolean => alive(pid) && !abandoned(readBeat(heartbeatFile(pid)), now)

/**
 * The processes whose heartbeat files are in the temporary directory and that still run: the workers to check
 * when no process is named. In a container the worker need not be PID 1 (`docker run --init`, tini).
 */
export function runningWorkers (now = Date.now()): number[] {
  let names: string[]
  try { names = readdirSync(tmpdir()) } catch { return [] }
  // a file left by a worker long gone whose PID another process now has is no worker's (a retrial's verification)
  return heartbeatPids(names).filter((pid) => liveWorker(pid, now))
}

/** Removes the heartbeat files of processes that are gone (a worker killed with SIGKILL leaves its own), or long abandoned. */
async function removeStale (): Promise<void> {
  const now = Date.now()
  for (const pid of heartbeatPids(await readdir(tmpdir()).catch(() => []))) {
    if (pid !== process.pid && !liveWorker(pid, now)) await rm(heartbeatFile(pid), { force: true }).catch(() => undefined)
  }
}

/** Beats missed before a heartbeat is stale: one late beat on a busy machine is not a dead worker. */
export const STALE_AFTER_BEATS = 3

/**
 * Writes a heartbeat now and every `everyMs` (the timer does not hold the process open). stop() ends it
 * and removes the file, so a worker that closed is not read as healthy from its last beat.
 */
export function startHeartbeat (everyMs: number, state: () => Omit<Heartbeat, 'pid' | 'at' | 'everyMs'>, onError: (err: Error) => void): { stop: () => Promise<void> } {
  const file = heartbeatFile(process.pid)
  // its own temporary name: two workers in one process (a test's) must not rename each other's half-written file
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`
  let writing: Promise<void> = Promise.resolve()
  let stopped = false
  const beat = (): void => {
    const body: Heartbeat = { pid: process.pid, at: Date.now(), everyMs, ...state() }
    // one write at a time: a slow disk must not let an older beat land after a newer one
    writing = writing.then(async () => {
      if (stopped) return
      await writeFile(tmp, JSON.stringify(body))
      await rename(tmp, file)
    }).catch(onError)
  }
  void removeStale()
  beat()
  const timer = setInterval(beat, everyMs)
  timer.unref()
  return {
    async stop () {
      stopped = true
      clearInterval(timer)
      await writing
      await rm(file, { force: true })
      await rm(tmp, { force: true })
    }
  }
}

/**
 * Why the worker of process `pid` is not healthy by its heartbeat, or undefined when it is: the file
 * exists, is no older than STALE_AFTER_BEATS intervals, and says Redis is ready and the worker running.
 */
export function unhealthyReason (pid: number, now = Date.now()): string | undefined {
  // a process killed outright left its last beat behind: it is not healthy for the beats that file still looks fresh
  if (!alive(pid)) return `process ${pid} is not running`
  const file = heartbeatFile(pid)
  let beat: Heartbeat
  try {
    beat = JSON.parse(readFileSync(file, 'utf8')) as Heartbeat
  } catch (err) {
    const code = (err as { code?: string }).code
    return code === 'ENOENT'
      ? `no heartbeat at ${file}: the worker has not started, has closed, or cannot write its temporary directory (its log says so)`
      : `its heartbeat ${file} cannot be read: ${(err as Error).message}`
  }
  const age = now - beat.at
  if (!(age <= STALE_AFTER_BEATS * beat.everyMs)) return `its last heartbeat is ${Math.round(age / 1000)} s old (it beats every ${beat.everyMs / 1000} s): its event loop is stuck`
  if (beat.redis !== 'ready') {
    const state = beat.redis === 'connect' ? 'connected but not ready (Redis loading its data, or the handshake under way)' : beat.redis
    return `its Redis connection is ${state}, not ready: it can neither take jobs nor report them`
  }
  if (!beat.running) return 'it has stopped taking jobs (closing)'
  return undefined
}
