/**
 * The only reader of process.env: one zod schema with defaults, parsed once into a frozen Config.
 * It opens nothing and logs nothing; bin/ entries call loadConfig() and pass the result down.
 */
import os from 'node:os'
import { isIP } from 'node:net'
import { z } from 'zod'
import { parseApiKeys, type ApiKeyEntry } from './security/api-keys.js'

const int = (min: number) => z.coerce.number().int().min(min)

/** Accepts a plain byte count or a number with a KiB/MiB/GiB suffix (e.g. `50MiB`). */
const bytes = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kib|mib|gib|kb|mb|gb)?\s*$/i.exec(String(value))
  const scale: Record<string, number> = { b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, kb: 1e3, mb: 1e6, gb: 1e9 }
  if (!m) {
    ctx.addIssue({ code: 'custom', message: `expected a byte count such as 52428800 or 50MiB, got '${String(value)}'` })
    return z.NEVER
  }
  return Math.floor(Number(m[1]) * scale[(m[2] ?? 'b').toLowerCase()])
})

const emptyAsUndefined = (v: unknown): unknown => (v === '' ? undefined : v)

/** Unset or empty: no keys, the API runs open. The message never repeats the value (it holds secrets). */
const apiKeys = z.string().optional().transform((value, ctx): readonly ApiKeyEntry[] => {
  try {
    return Object.freeze(parseApiKeys(value ?? ''))
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message })
    return z.NEVER
  }
})

const REDIS_URL_FORM = 'redis://[user:password@]host:port[/db] (rediss:// for TLS)'

/**
 * One Redis server's URL, as ioredis reads it. Checked whole here: a database path that is not a number
 * (`/abc`) passed as a URL and then failed the first command (SELECT NaN) after the API said it listened.
 */
const redisUrl = z.string().superRefine((value, ctx) => {
  let url: URL
  try { url = new URL(value) } catch { ctx.addIssue({ code: 'custom', message: `not a URL; expected ${REDIS_URL_FORM}` }); return }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    ctx.addIssue({ code: 'custom', message: `the scheme is ${url.protocol.slice(0, -1)}://; expected ${REDIS_URL_FORM}` })
  }
  const db = url.pathname.replace(/^\//, '')
  if (db !== '' && !/^\d+$/.test(db)) ctx.addIssue({ code: 'custom', message: `the database "/${db}" is not a number; expected ${REDIS_URL_FORM}, e.g. /0` })
})

/** A URL's password, never shown: `redis://:<not shown>@host`. */
export const withoutPassword = (value: string): string => value
  .replace(/^([a-z]+:\/\/[^:@/]*:)[^@/]*@/i, '$1<not shown>@')
  // ioredis also reads a password from the query (?password=…): a retrial found it in the start-up lines
  .replace(/([?&]password=)[^&#]*/gi, '$1<not shown>')

/** Variables whose value must never appear in an error message or a log line. */
const SECRET = new Set(['API_KEYS'])

const Env = z.object({
  PORT: int(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  REDIS_URL: z.preprocess(emptyAsUndefined, redisUrl.optional()),
  // Hash-tagged so every key (and BullMQ's) lands in one Redis Cluster slot.
  REDIS_PREFIX: z.string().min(1).default('{backprop}'),
  TRAIN_THREADS: int(1).max(1024).default(Math.max(1, os.availableParallelism())),
  WORKER_CONCURRENCY: int(1).max(1024).default(1),
  // GEMM kernels for training and prediction: OpenBLAS where libopenblas loads, else WebAssembly SIMD
  // ('auto'); or one set by name ('blas' falls back like auto); 'ts' is the slow, portable reference
  KERNELS: z.enum(['auto', 'blas', 'wasm', 'ts']).default('auto'),
  // threads of the API process that run predictions' forward passes; 0: on the event loop
  PREDICT_THREADS: int(0).max(64).default(1),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT: bytes.pipe(z.number().int().min(1024)).default(50 * 1024 * 1024),
  MAX_DATASET_ROWS: int(1).default(1_000_000),
  // classes of a label column, and categories of a categorical feature column: checked before anything is allocated
  MAX_CLASSES: int(2).default(1000),
  MAX_CATEGORIES: int(1).default(1000),
  // feature columns of a dataset: each is described in its GET and the list's (about 100 bytes a column)
  MAX_FEATURE_COLUMNS: int(1).default(10_000),
  MAX_PARAMETERS: int(1).default(50_000_000),
  MAX_EPOCHS: int(1).default(100_000),
  MAX_JOB_WORK: z.coerce.number().positive().default(1e15),
  // a sweep's child jobs (trials × folds), and its total work (Σ epochs × rows × parameters over them)
  MAX_SWEEP_JOBS: int(1).default(1000),
  MAX_SWEEP_WORK: z.coerce.number().positive().default(1e16),
  CHECKPOINT_EVERY_EPOCHS: int(1).default(10),
  CHECKPOINT_EVERY_SECONDS: z.coerce.number().positive().default(30),
  // BullMQ stalled-job recovery: a worker that dies loses its lock after WORKER_LOCK_DURATION_MS and the
  // job is handed to another worker within one WORKER_STALLED_INTERVAL_MS after that.
  WORKER_LOCK_DURATION_MS: int(500).default(30_000),
  WORKER_STALLED_INTERVAL_MS: int(500).default(30_000),
  // a Redis outage stalls every running job once (no worker can renew its lock), so 1 left one crash to fail it
  WORKER_MAX_STALLED_COUNT: int(0).default(3),
  // how often a worker rewrites its heartbeat file, which the image's HEALTHCHECK reads (queue/worker-heartbeat.ts)
  // at most a minute: the image's HEALTHCHECK calls a worker dead after three beats (and setInterval takes no more than 2³¹ − 1 ms)
  WORKER_HEARTBEAT_MS: int(100).max(60_000).default(5_000),
  // server-sent-event streams (GET /v1/training-jobs/{id}/events) open at once, per job and per tenant
  SSE_MAX_FOLLOWERS_PER_JOB: int(1).default(1000),
  SSE_MAX_FOLLOWERS_PER_TENANT: int(1).default(1000),
  DATA_DIR: z.string().min(1).default('./data'),
  // ---- security: `key:tenant:scope[,scope];…` or a JSON array of {key, tenant, scopes}
  API_KEYS: apiKeys,
  // per API key (per client address when open), shared by every replica through Redis; 0 turns the limit
  // off. 100 a second: a client scoring row by row stays under it (600 throttled a local loop of predicts)
  RATE_LIMIT_PER_MINUTE: int(0).default(6000),
  // the most requests a key may make at once after a quiet spell; default: one minute's worth
  RATE_LIMIT_BURST: z.preprocess(emptyAsUndefined, int(1).optional()),
  // invalid API keys per minute from one client address before it gets 429s (guessing keys)
  AUTH_FAILURES_PER_MINUTE: int(1).default(30),
  // behind a reverse proxy: which X-Forwarded-For hops to believe, so that request.ip (failed-key limits,
  // logs) is the client's. 'false' (default): the peer address; 'true': every hop; a number: that many
  // hops; otherwise a comma-separated list of proxy addresses or CIDRs
  TRUST_PROXY: z.string().default('false').transform((v, ctx): boolean | number | string[] => {
    const t = v.trim()
    if (t === 'false' || t === '') return false
    if (t === 'true') return true
    if (/^\d+$/.test(t)) return Number(t)
    const list = t.split(',').map((s) => s.trim()).filter((s) => s !== '')
    // checked here: Fastify's proxy-addr threw on the first request path's setup with a stack ("invalid IP address: maybe")
    const wrong = list.filter((s) => !isProxyAddress(s))
    if (wrong.length > 0) {
      ctx.addIssue({ code: 'custom', message: `${wrong.map((s) => JSON.stringify(s)).join(', ')} ${wrong.length === 1 ? 'is' : 'are'} not an address, a CIDR ` +
        '(10.0.0.0/8) or one of loopback, linklocal, uniquelocal; give true, false, a hop count, or a comma-separated list of those' })
      return z.NEVER
    }
    return list
  })
})

export type Config = Readonly<z.output<typeof Env>>

/** proxy-addr's names for address ranges, as Fastify's trustProxy takes them. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal'])

/** A TRUST_PROXY entry Fastify's trustProxy (proxy-addr) reads: an IP, an IP/prefix or IPv4/netmask, or a range's name. */
function isProxyAddress (entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true
  const [ip, bits, ...more] = entry.split('/')
  const family = isIP(ip)
  if (family === 0 || more.length > 0) return false
  if (bits === undefined) return true
  if (/^\d+$/.test(bits)) return Number(bits) <= (family === 4 ? 32 : 128)
  return family === 4 && isIP(bits) === 4
}

/** A bad environment: the message names every variable at fault and its value (secrets not shown). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

/** Parses the environment once; a bad value throws a ConfigError naming every variable at fault. */
export function loadConfig (env: Record<string, string | undefined> = process.env): Config {
  const keys = Object.keys(Env.shape) as (keyof typeof Env.shape)[]
  const picked = Object.fromEntries(keys.map((k) => [k, emptyAsUndefined(env[k])]))
  const result = Env.safeParse(picked)
  if (!result.success) {
    const shown = (name: string): string => (SECRET.has(name) ? '<not shown>' : JSON.stringify(name === 'REDIS_URL' ? withoutPassword(env[name] ?? '') : env[name]))
    const lines = result.error.issues.map((i) => `${i.path.join('.')}=${shown(String(i.path[0]))}: ${i.message}`)
    throw new ConfigError(`invalid configuration: ${lines.join('; ')}`)
  }
  return Object.freeze(result.data)
}

/**
 * loadConfig for a process entry (npm start, the API, a worker): a bad value ends the process with its
 * one-line message and exit code 1, before anything starts, not with a stack trace under it.
 */
export function loadConfigOrExit (env: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(env)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    process.stderr.write(`${err.message}\n`)
    process.exit(1)
  }
}
