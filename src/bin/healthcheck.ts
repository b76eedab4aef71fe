/**
 * The image's health check (Dockerfile HEALTHCHECK), for either process the one image runs: the API is
 * healthy when its /healthz answers; a worker, which serves no HTTP, when the Redis it takes jobs from
 * answers PING. Which one runs is read from PID 1's command line (node dist/bin/worker.js in exec form);
 * `node dist/bin/healthcheck.js api|worker` says it outright. Exits 0 (healthy) or 1. The same check for
 * a worker was compose's alone, so `docker run … node dist/bin/worker.js` was reported unhealthy.
 */
import { readFileSync } from 'node:fs'
import { Redis } from 'ioredis'
import { roleOf, type Role } from './process-role.js'

async function healthy (role: Role): Promise<boolean> {
  if (role === 'worker') {
    const url = process.env.REDIS_URL
    if (url === undefined || url === '') return false
    const redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 2000, lazyConnect: true, retryStrategy: () => null })
    redis.on('error', () => undefined)
    try { return (await redis.ping()) === 'PONG' } catch { return false } finally { redis.disconnect() }
  }
  try {
    const res = await fetch(`http://127.0.0.1:${process.env.PORT ?? 3000}/healthz`, { signal: AbortSignal.timeout(2000) })
    return res.ok
  } catch { return false }
}

const asked = process.argv[2]
const role: Role = asked === 'api' || asked === 'worker' ? asked : roleOf(readFileSync('/proc/1/cmdline', 'utf8'))
process.exit((await healthy(role)) ? 0 : 1)
