/**
 * The image's health check (Dockerfile HEALTHCHECK), for either process the one image runs: the API is
 * healthy when its /healthz answers; a worker, which serves no HTTP, when its heartbeat file is fresh and
 * says its Redis connection is ready and it is taking jobs (queue/worker-heartbeat.ts). Which one runs is
 * read from PID 1's command line (node dist/bin/worker.js in exec form); `node dist/bin/healthcheck.js
 * api|worker [PID]` says it outright (PID: the worker's process, 1 by default, as in a container).
 * Exits 0 (healthy) or 1, saying why on stdout (Docker keeps it: `docker inspect`, State.Health.Log).
 */
import { readFileSync } from 'node:fs'
import { roleOf, type Role } from './process-role.js'
import { unhealthyReason } from '../queue/worker-heartbeat.js'

async function whyUnhealthy (role: Role, pid: number): Promise<string | undefined> {
  if (role === 'worker') return unhealthyReason(pid)
  const url = `http://127.0.0.1:${process.env.PORT ?? 3000}/healthz`
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) })
    return res.ok ? undefined : `${url} answered ${res.status}`
  } catch (err) { return `${url} did not answer: ${(err as Error).message}` }
}

const asked = process.argv[2]
const role: Role = asked === 'api' || asked === 'worker' ? asked : roleOf(readFileSync('/proc/1/cmdline', 'utf8'))
const pid = Number(process.argv[3] ?? 1)
if (!(Number.isInteger(pid) && pid >= 1)) {
  console.log(`usage: healthcheck.js [api|worker [PID]]; PID must be a process id, got ${process.argv[3]}`)
  process.exit(1)
}
const why = await whyUnhealthy(role, pid)
console.log(why === undefined ? `${role} healthy` : `${role} unhealthy: ${why}`)
process.exit(why === undefined ? 0 : 1)
